// The change feed behind the web page: a history of every state change of a calendar task (kept
// as long as the task: its timeline) and a short log of todo changes, numbered by ONE sequence so
// a browser that reconnects says "I saw up to N" and gets the rest (Server-Sent Events'
// Last-Event-ID). Each row is announced on NOTIFY when its transaction commits; one LISTEN
// connection per API process fans them out.
//
// Task rows are written by a trigger on pg-boss's job table, so changes that pg-boss makes by
// itself (expiry, retries, cancel) are recorded as surely as a worker's. Like 0004, this needs
// pg-boss's schema, which the start-up path (src/startup.ts) installs before migrating. Names
// repeated in src/events/feed.ts and src/calendar/queue.ts; migrations never import app code.
import { sql, type Kysely } from 'kysely'

// Idempotent (if not exists, or replace): safe to run again on a database that has it.
export async function up (db: Kysely<any>): Promise<void> {
  await sql`create sequence if not exists taskoverflow_event_seq`.execute(db)

  // attempt: pg-boss's retry_count + 1 (it counts a restart when a started job is fetched again).
  // actor: application_name of the connection that made the change, which names the process
  // (src/queue/boss.ts): the worker for STARTED/SUCCESS/failures, the API for queue and cancel.
  await sql`
    create table if not exists task_events (
      seq bigint primary key default nextval('taskoverflow_event_seq'),
      task_id uuid not null,
      state text not null,
      attempt integer not null,
      actor text,
      error text,
      at timestamptz not null default clock_timestamp()
    )`.execute(db)
  await sql`create index if not exists task_events_task_id_seq_idx on task_events (task_id, seq)`.execute(db)

  // One row per statement, not per todo: a bulk import of 100,000 todos is one event.
  await sql`
    create table if not exists todo_events (
      seq bigint primary key default nextval('taskoverflow_event_seq'),
      op text not null,
      todo_ids integer[] not null,
      count integer not null,
      at timestamptz not null default clock_timestamp()
    )`.execute(db)
  await sql`create index if not exists todo_events_at_idx on todo_events (at)`.execute(db)

  // Kept cheap: one INSERT and one NOTIFY per state change, nothing read.
  await sql`
    create or replace function taskoverflow_record_task_event() returns trigger
    language plpgsql as $$
    declare
      e task_events;
    begin
      insert into task_events (task_id, state, attempt, actor, error)
      values (
        new.id, new.state::text, new.retry_count + 1, nullif(current_setting('application_name', true), ''),
        -- Failing (also by expiry) re-INSERTs the row with the error as output; a retry asked
        -- for by a person is an UPDATE and keeps the old output, which is not its error.
        case when tg_op = 'INSERT' and new.state::text in ('retry', 'failed') then
          left(coalesce(new.output ->> 'message', new.output #>> '{value,message}', new.output ->> 'value', new.output::text), 2000)
        end)
      returning * into e;
      perform pg_notify('taskoverflow_events', json_build_object(
        'kind', 'task', 'seq', e.seq, 'task_id', e.task_id, 'state', e.state, 'attempt', e.attempt,
        'actor', e.actor, 'error', left(e.error, 500),
        'at', to_char(e.at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text);
      return null;
    end
    $$`.execute(db)

  await sql`
    create or replace function taskoverflow_record_todo_event() returns trigger
    language plpgsql as $$
    declare
      e todo_events;
      ids integer[];
      n integer;
    begin
      if tg_op = 'DELETE' then
        select (array_agg(id order by id))[1:100], count(*) into ids, n from old_rows;
      else
        select (array_agg(id order by id))[1:100], count(*) into ids, n from new_rows;
      end if;
      if n = 0 then return null; end if;
      insert into todo_events (op, todo_ids, count) values (lower(tg_op), ids, n) returning * into e;
      perform pg_notify('taskoverflow_events', json_build_object(
        'kind', 'todo', 'seq', e.seq, 'op', e.op, 'todo_ids', e.todo_ids, 'count', e.count,
        'at', to_char(e.at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))::text);
      return null;
    end
    $$`.execute(db)
  for (const [op, table] of [['insert', 'new table as new_rows'], ['update', 'new table as new_rows'], ['delete', 'old table as old_rows']]) {
    await sql.raw(`drop trigger if exists todos_${op}_event on todos`).execute(db)
    await sql.raw(`create trigger todos_${op}_event after ${op} on todos referencing ${table}
      for each statement execute function taskoverflow_record_todo_event()`).execute(db)
  }

  // On the partitioned job table: Postgres clones the triggers onto every partition. Failing
  // (also by expiry) DELETEs the row and INSERTs it again, so INSERT is watched as well as UPDATE;
  // updates that leave the state as it was (heartbeats) are skipped by WHEN, before any function.
  await sql`drop trigger if exists taskoverflow_ical_history_insert on pgboss.job`.execute(db)
  await sql`drop trigger if exists taskoverflow_ical_history_update on pgboss.job`.execute(db)
  await sql`
    create trigger taskoverflow_ical_history_insert
      after insert on pgboss.job
      for each row when (new.name = 'ical')
      execute function taskoverflow_record_task_event()`.execute(db)
  await sql`
    create trigger taskoverflow_ical_history_update
      after update of state on pgboss.job
      for each row when (new.name = 'ical' and old.state is distinct from new.state)
      execute function taskoverflow_record_task_event()`.execute(db)
}
