// A feed's secret: 32 random bytes, shown once; only its SHA-256 is stored, so a database leak
// does not leak working feed URLs, and checking a token is one indexed lookup of its hash.
import { createHash, randomBytes } from 'node:crypto'

export const newFeedToken = (): string => randomBytes(32).toString('base64url')
export const hashFeedToken = (token: string): Buffer => createHash('sha256').update(token).digest()

/** A token as newFeedToken makes them (43 base64url characters); anything else cannot match. */
export const FEED_TOKEN_PATTERN = '^[A-Za-z0-9_-]{43}$'
