// Calendar subscription feeds: a secret token (stored as its SHA-256 only), the filters, and the
// latest pre-rendered snapshot, which is all a calendar app's poll reads. Todos gain a revision
// (the events' SEQUENCE), raised by every change.
import { sql, type Kysely } from 'kysely'

const utcNow = sql`(now() at time zone 'utc')`

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('todos').addColumn('revision', 'integer', (col) => col.notNull().defaultTo(0)).execute()
  // Orders the changes that feeds must show: a snapshot records the version it was rendered
  // from, and an older one never replaces a newer one.
  await sql`create sequence feed_version`.execute(db)
  await db.schema
    .createTable('feeds')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('token_hash', 'bytea', (col) => col.notNull().unique())
    .addColumn('name', 'varchar(80)', (col) => col.notNull())
    .addColumn('filters', 'jsonb', (col) => col.notNull())
    .addColumn('created_at', 'timestamp', (col) => col.notNull().defaultTo(utcNow))
    .addColumn('revoked_at', 'timestamp')
    // the newest change the feed must show, and when it happened
    .addColumn('wanted_version', 'bigint', (col) => col.notNull().defaultTo(sql`nextval('feed_version')`))
    .addColumn('changed_at', 'timestamp', (col) => col.notNull().defaultTo(utcNow))
    // the snapshot served to calendar apps
    .addColumn('rendered_version', 'bigint', (col) => col.notNull().defaultTo(0))
    .addColumn('body', 'text')
    .addColumn('etag', 'text')
    .addColumn('last_modified', 'timestamp')
    .addColumn('event_count', 'integer')
    .addColumn('rendered_at', 'timestamp')
    // who polls it
    .addColumn('last_fetched_at', 'timestamp')
    .addColumn('last_user_agent', 'varchar(200)')
    .execute()
}
