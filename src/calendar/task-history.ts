// The history of a calendar task: every state change, recorded by Postgres itself. A trigger on
// pg-boss's job table (db/migrations/0006) writes a task_events row whenever an
// `ical` job is queued or changes state, whoever changes it: the API (queue, cancel, retry), a
// worker (start, complete, fail) or pg-boss's supervisor (expiry, lost heartbeat). Failing
// DELETEs the row and INSERTs it again, so the trigger fires on INSERT as well as UPDATE.
import { sql } from 'kysely'
import type { Queryable } from '../db/schema.ts'
import { ICAL_QUEUE } from './queue.ts'
import { statusOfState, type TaskStatus } from './task-status.ts'

export interface TimelineEntry {
  seq: number
  task_status: TaskStatus
  attempt: number
  /** The process that had this attempt (set from STARTED on); null while queued. */
  worker: string | null
  /** The process whose connection made this change (the API for queue/cancel/retry). */
  changed_by: string | null
  error: string | null
  at: string
}

interface TaskEventRow { seq: number, state: string, attempt: number, actor: string | null, error: string | null, at: string }

/** Every recorded state change of a task, oldest first; empty for an unknown task. */
export async function taskTimeline (db: Queryable, taskId: string): Promise<TimelineEntry[]> {
  const { rows } = await sql<TaskEventRow>`
    select seq, state, attempt, actor, error, to_char(at at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as at
    from task_events where task_id = ${taskId} order by seq`.execute(db)
  const workerOfAttempt = new Map<number, string | null>()
  return rows.map((row) => {
    if (row.state === 'active') workerOfAttempt.set(row.attempt, row.actor)
    const worker = row.state === 'created' ? null : workerOfAttempt.get(row.attempt) ?? null
    return {
      seq: Number(row.seq),
      task_status: statusOfState(row.state),
      attempt: row.attempt,
      worker,
      changed_by: row.actor,
      error: row.error,
      at: row.at
    }
  })
}

/** Forget the history of tasks pg-boss no longer keeps (retention), and old todo events. */
export async function deleteExpiredEvents (db: Queryable, todoEventDays = 1): Promise<number> {
  const tasks = await sql`
    delete from task_events e
    where e.at < now() - interval '1 hour'
      and not exists (select 1 from pgboss.job j where j.name = ${ICAL_QUEUE} and j.id = e.task_id)`.execute(db)
  const todos = await sql`delete from todo_events where at < now() - make_interval(days => ${todoEventDays})`.execute(db)
  return Number(tasks.numAffectedRows ?? 0n) + Number(todos.numAffectedRows ?? 0n)
}
