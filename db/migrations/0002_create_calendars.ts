// Finished calendars live beside the todos, not in pg-boss's jsonb `output`: a calendar of
// 100,000 todos is tens of megabytes, which jsonb would hold (and every status read would load)
// whole. Here its text is split into chunks of about 1 MiB that are written and read back one at
// a time. Postgres compresses each chunk itself (TOAST, with lz4 where the server has it).
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('calendars')
    .addColumn('task_id', 'uuid', (col) => col.primaryKey())
    .addColumn('event_count', 'integer', (col) => col.notNull())
    .addColumn('byte_length', 'bigint', (col) => col.notNull())
    .addColumn('chunk_count', 'integer', (col) => col.notNull())
    .addColumn('created_at', 'timestamp', (col) => col.notNull().defaultTo(sql`(now() at time zone 'utc')`))
    .execute()
  await db.schema.createIndex('calendars_created_at_idx').on('calendars').column('created_at').execute()

  await db.schema
    .createTable('calendar_chunks')
    .addColumn('task_id', 'uuid', (col) => col.notNull())
    .addColumn('seq', 'integer', (col) => col.notNull())
    .addColumn('data', 'text', (col) => col.notNull())
    .addPrimaryKeyConstraint('calendar_chunks_pkey', ['task_id', 'seq'])
    // Deferred: a job writes its chunks as they fill up and the calendars row, with the totals,
    // last; the reference is checked at commit.
    .addForeignKeyConstraint('calendar_chunks_task_id_fkey', ['task_id'], 'calendars', ['task_id'],
      (fk) => fk.onDelete('cascade').deferrable().initiallyDeferred())
    .execute()
  const { rows } = await sql<{ lz4: boolean }>`
    select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'`.execute(db)
  if (rows[0]?.lz4) await sql`alter table calendar_chunks alter column data set compression lz4`.execute(db)
}
