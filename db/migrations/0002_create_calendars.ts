// Finished calendars live beside the todos, not in pg-boss's jsonb `output`: a calendar of
// 100,000 todos is tens of megabytes, which jsonb would hold (and every status read would load)
// whole. Here its gzip stream is split into chunks that can be written and read back one by one.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendars')
    .addColumn('task_id', 'uuid', (col) => col.primaryKey())
    .addColumn('event_count', 'integer', (col) => col.notNull())
    .addColumn('byte_length', 'bigint', (col) => col.notNull())
    .addColumn('gzip_byte_length', 'bigint', (col) => col.notNull())
    .addColumn('chunk_count', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'timestamp', (col) => col.notNull().defaultTo(sql`(now() at time zone 'utc')`))
    .execute()
  await db.schema.createIndex('calendars_created_at_idx').on('calendars').column('created_at').execute()

  await db.schema
    .createTable('calendar_chunks')
    .addColumn('task_id', 'uuid', (col) => col.notNull().references('calendars.task_id').onDelete('cascade'))
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('data', 'bytea', (col) => col.notNull())
    .addPrimaryKeyConstraint('calendar_chunks_pkey', ['task_id', 'seq'])
    .execute()
  // The chunks are already gzip: out-of-line storage without a second, futile compression pass.
  await sql`alter table calendar_chunks alter column data set storage external`.execute(db)
}
