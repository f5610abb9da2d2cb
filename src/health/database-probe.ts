// The one question both health endpoints ask: does the database answer a trivial query soon?
// A short deadline of our own, because a cut network makes a query hang rather than fail.
import { sql, type Kysely } from 'kysely'

export const DATABASE_PROBE_TIMEOUT_MS = 2000

/** Resolves when `select 1` succeeds within timeoutMs; rejects with the reason otherwise. */
export async function probeDatabase<DB> (db: Kysely<DB>, timeoutMs = DATABASE_PROBE_TIMEOUT_MS): Promise<void> {
  let timer: NodeJS.Timeout | undefined
  try {
    await Promise.race([
      sql`select 1`.execute(db),
      new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs) })
    ])
  } finally {
    clearTimeout(timer)
  }
}
