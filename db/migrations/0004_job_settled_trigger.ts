// Attach the settled-job trigger (the function is from 0003) to pg-boss's job table, here in a
// migration rather than at start-up, so that a later definition is one more migration that
// replaces this one, never a second trigger firing beside the first.
//
// pg-boss's schema must exist first: the start-up path (src/startup.ts) has pg-boss install or
// upgrade its schema, then runs these migrations.
// Before this migration, releases attached `taskoverflow_ical_settled_v1` at start-up: dropped here.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await sql`drop trigger if exists taskoverflow_ical_settled_v1 on pgboss.job`.execute(db)
  await sql`drop trigger if exists taskoverflow_ical_settled on pgboss.job`.execute(db)
  // Completing and cancelling UPDATE the row; failing (also by expiry) deletes it and INSERTs it
  // again in state retry or failed. Both paths end here.
  await sql`
    create trigger taskoverflow_ical_settled
      after insert or update of state on pgboss.job
      for each row
      when (new.name = 'ical' and new.state in ('completed', 'failed', 'cancelled'))
      execute function taskoverflow_notify_job_settled()`.execute(db)
}
