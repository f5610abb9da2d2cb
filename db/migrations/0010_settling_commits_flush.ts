// A transaction that settles a calendar job (completed, failed or cancelled) waits for the disk
// at commit, whatever else it wrote. A worker now stores a calendar and completes its job in ONE
// transaction (src/calendar/job.ts): the insert into calendars asks for a commit without flush
// (0009), the completion asks for the configured one (what SUCCESS promises), and the completion
// wins in either order: the settled-job trigger marks the transaction as settling, and the
// no-flush trigger leaves such a transaction alone. `set local ... to default` restores the
// server's (or role's) own setting rather than forcing 'on'.
import { sql, type Kysely } from 'kysely'

export async function up (db: Kysely<any>): Promise<void> {
  await sql`
    create or replace function taskoverflow_commit_without_flush() returns trigger
    language plpgsql as $$
    begin
      if coalesce(current_setting('taskoverflow.settles_job', true), '') <> 'on' then
        perform set_config('synchronous_commit', 'off', true);
      end if;
      return null;
    end
    $$`.execute(db)
  // The function behind 0004's trigger (names repeated from 0003; migrations never import app code).
  await sql`
    create or replace function taskoverflow_notify_job_settled() returns trigger
    language plpgsql as $$
    begin
      perform set_config('taskoverflow.settles_job', 'on', true);
      set local synchronous_commit to default;
      perform pg_notify('taskoverflow_job_settled', new.id::text);
      return null;
    end
    $$`.execute(db)
}
