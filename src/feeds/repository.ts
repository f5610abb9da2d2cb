// Every query on feeds. Functions take the database or a transaction, so callers decide scope.
import { sql } from 'kysely'
import type { Queryable } from '../db/schema.ts'
import type { TodoFilters } from '../todos/filters.ts'

const utcNow = sql<string>`(now() at time zone 'utc')`
const PUBLIC_COLUMNS = ['id', 'name', 'filters', 'created_at', 'changed_at', 'rendered_at', 'event_count', 'last_fetched_at', 'last_user_agent'] as const

export function createFeed (db: Queryable, feed: { tokenHash: Buffer, name: string, filters: TodoFilters }) {
  return db.insertInto('feeds').values({ token_hash: feed.tokenHash, name: feed.name, filters: JSON.stringify(feed.filters) as never })
    .returning(PUBLIC_COLUMNS).executeTakeFirstOrThrow()
}

export function listFeeds (db: Queryable) {
  return db.selectFrom('feeds').select(PUBLIC_COLUMNS).where('revoked_at', 'is', null).orderBy('id').execute()
}

export function rotateFeedToken (db: Queryable, id: number, tokenHash: Buffer) {
  return db.updateTable('feeds').set({ token_hash: tokenHash }).where('id', '=', id).where('revoked_at', 'is', null)
    .returning(PUBLIC_COLUMNS).executeTakeFirst()
}

/** The token stops working at once; the snapshot goes with it. */
export async function revokeFeed (db: Queryable, id: number): Promise<boolean> {
  const { numUpdatedRows } = await db.updateTable('feeds').set({ revoked_at: utcNow, body: null, etag: null })
    .where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst()
  return numUpdatedRows > 0n
}

/** A calendar app's poll: the snapshot of the feed with this token hash (one indexed read). */
export function fetchFeedSnapshot (db: Queryable, tokenHash: Buffer) {
  return db.selectFrom('feeds').select(['id', 'body', 'etag', 'last_modified', 'last_user_agent', 'last_fetched_at'])
    .where('token_hash', '=', tokenHash).where('revoked_at', 'is', null).executeTakeFirst()
}

/** Who polled a feed and when; to the minute, so most polls write nothing. */
export async function recordFeedFetch (db: Queryable, id: number, userAgent: string | undefined): Promise<void> {
  await db.updateTable('feeds').set({ last_fetched_at: utcNow, last_user_agent: userAgent?.slice(0, 200) ?? null }).where('id', '=', id).execute()
}

export function activeFeedFilters (db: Queryable) {
  return db.selectFrom('feeds').select(['id', 'filters']).where('revoked_at', 'is', null).execute()
}

/** These feeds must show a newer state: a version later than any snapshot rendered so far. */
export async function markFeedsChanged (db: Queryable, ids: number[]): Promise<void> {
  if (ids.length === 0) return
  await db.updateTable('feeds').set({ wanted_version: sql`nextval('feed_version')`, changed_at: utcNow }).where('id', 'in', ids).execute()
}

export function feedToRender (db: Queryable, id: number) {
  return db.selectFrom('feeds').select(['id', 'name', 'filters', 'wanted_version', 'changed_at', 'revoked_at'])
    .where('id', '=', id).executeTakeFirst()
}

/** Store a snapshot unless one rendered from a newer (or the same) version is there already. */
export async function storeFeedSnapshot (db: Queryable, id: number, version: number,
  snapshot: { body: string, etag: string, lastModified: string, eventCount: number }): Promise<boolean> {
  const { numUpdatedRows } = await db.updateTable('feeds')
    .set({ body: snapshot.body, etag: snapshot.etag, last_modified: snapshot.lastModified, event_count: snapshot.eventCount, rendered_version: version, rendered_at: utcNow })
    .where('id', '=', id).where('rendered_version', '<', version).where('revoked_at', 'is', null).executeTakeFirst()
  return numUpdatedRows > 0n
}
