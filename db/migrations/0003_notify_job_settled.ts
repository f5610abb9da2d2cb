// A trigger function that announces, over LISTEN/NOTIFY, that a calendar job reached a final
// state, so `GET .../status?wait=N` can answer the moment it happens instead of polling. The
// trigger itself sits on pg-boss's job table and is attached by migration 0004 (this one does
// not depend on pg-boss). The channel name is repeated in src/calendar/queue.ts; migrations never
// import app code.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function taskoverflow_notify_job_settled() returns trigger
    language plpgsql as $$
    begin
      perform pg_notify('taskoverflow_job_settled', new.id::text);
      return null;
    end
    $$`.execute(db)
}
