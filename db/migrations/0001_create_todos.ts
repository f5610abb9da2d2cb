// Migrations are frozen in time: Kysely<any>, raw names, never an import from src/.
import { sql, type Kysely } from 'kysely'

// Timestamps are UTC wall-clock time without a zone, as the API reads and writes them.
const utcNow = sql`(now() at time zone 'utc')`

export async function up (db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('todos')
    .addColumn('id', 'serial', (col) => col.primaryKey())
    .addColumn('title', 'varchar(80)', (col) => col.notNull())
    .addColumn('description', 'varchar(120)')
    .addColumn('completed', 'boolean', (col) => col.notNull().defaultTo(false))
    .addColumn('deadline_at', 'timestamp')
    .addColumn('created_at', 'timestamp', (col) => col.notNull().defaultTo(utcNow))
    .addColumn('updated_at', 'timestamp', (col) => col.notNull().defaultTo(utcNow))
    .execute()
}
