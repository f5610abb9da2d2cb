// Two writes on a calendar job's path commit without waiting for the disk: a job's start (pg-boss's
// fetch moving it to active) and its stored calendar. Each costs a WAL flush otherwise, the
// slowest part of a commit on a busy disk, and neither needs its own: if a crash loses either one,
// the job was not completed yet, so it runs again (a lost start puts it back in the queue; a lost
// calendar is rebuilt, and a retry replaces what an earlier attempt stored). The completion that
// follows commits synchronously, and flushing its commit record flushes all the WAL before it,
// these two writes included: a job is never durably completed without its calendar.
//
// The queue's INSERT (what a 202 promises) and the completion (what SUCCESS promises) keep their
// synchronous commits. pg-boss's fetch is its own statement, so the setting comes from triggers:
// synchronous_commit is read when the transaction commits, and set_config(..., true) lasts until then.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function taskoverflow_commit_without_flush() returns trigger
    language plpgsql as $$
    begin
      perform set_config('synchronous_commit', 'off', true);
      return null;
    end
    $$`.execute(db)
  await sql`drop trigger if exists taskoverflow_ical_started_commit on pgboss.job`.execute(db)
  await sql`
    create trigger taskoverflow_ical_started_commit
      after update of state on pgboss.job
      for each row when (new.name = 'ical' and new.state = 'active')
      execute function taskoverflow_commit_without_flush()`.execute(db)
  await sql`drop trigger if exists calendars_commit_without_flush on calendars`.execute(db)
  await sql`
    create trigger calendars_commit_without_flush
      after insert on calendars
      for each statement execute function taskoverflow_commit_without_flush()`.execute(db)
}
