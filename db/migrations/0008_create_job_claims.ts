// Crash recovery (src/queue/liveness.ts, sweep.ts): each worker process holds a session advisory
// lock keyed by an id from this sequence for as long as it lives, and records which attempt of
// which job it runs under that id. A job whose worker's lock is gone is handed back at once.
// No foreign key to pg-boss's job table: its rows are deleted and re-inserted on failure.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  // Ids are the second key of a two-int advisory lock: a positive int4, reused only after 2^31.
  await sql`create sequence worker_liveness_id_seq as integer minvalue 1 cycle`.execute(db)
  await sql`
    create table job_claims (
      job_id uuid primary key,
      queue text not null,
      attempt integer not null,   -- pg-boss's retry_count when this worker fetched the job
      worker_id integer not null, -- the liveness id of the worker running that attempt
      crashes integer not null default 0 -- attempts handed back because their worker died
    )`.execute(db)
}
