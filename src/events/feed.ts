// The change feed as the API hands it out: task state changes and todo changes, each numbered by
// one database sequence (its `seq`, the SSE event id). Rows are written by triggers
// (db/migrations/0004) and announced with NOTIFY on the channel below when they commit.
import { sql } from 'kysely'
import type { Queryable } from '../db/schema.ts'
import { statusOfState, type TaskStatus } from '../calendar/task-status.ts'

export const EVENTS_CHANNEL = 'taskoverflow_events' // also named in db/migrations/0004

export interface TaskEvent {
  kind: 'task'
  seq: number
  task_id: string
  task_status: TaskStatus
  attempt: number
  /** the process whose connection made the change */
  changed_by: string | null
  error: string | null
  at: string
}

export interface TodoEvent {
  kind: 'todo'
  seq: number
  op: 'insert' | 'update' | 'delete'
  /** the first 100 ids the statement touched */
  todo_ids: number[]
  count: number
  at: string
}

export type FeedEvent = TaskEvent | TodoEvent

interface FeedRow {
  kind: 'task' | 'todo'
  seq: number
  task_id: string | null
  state: string | null
  attempt: number | null
  actor: string | null
  error: string | null
  op: string | null
  todo_ids: number[] | null
  count: number | null
  at: string
}

function toEvent (row: FeedRow): FeedEvent {
  if (row.kind === 'task') {
    return {
      kind: 'task',
      seq: Number(row.seq),
      task_id: row.task_id!,
      task_status: statusOfState(row.state!),
      attempt: row.attempt!,
      changed_by: row.actor,
      error: row.error,
      at: row.at
    }
  }
  return { kind: 'todo', seq: Number(row.seq), op: row.op as TodoEvent['op'], todo_ids: row.todo_ids ?? [], count: row.count ?? 0, at: row.at }
}

/** A NOTIFY payload (the same fields as a row); undefined for anything else. */
export function parseNotification (payload: string): FeedEvent | undefined {
  try {
    const row = JSON.parse(payload) as FeedRow
    if ((row.kind !== 'task' && row.kind !== 'todo') || typeof row.seq !== 'number') return undefined
    return toEvent(row)
  } catch {
    return undefined
  }
}

/**
 * How far back a replay also looks. Sequence numbers are taken when a row is written but become
 * visible when its transaction commits, so an event numbered just below the last one a client saw
 * may have committed after it. Replays therefore also resend events from the few seconds before;
 * clients skip ids they already have. (Triggers write in single-statement transactions, so such a
 * late commit is a matter of milliseconds.)
 */
export const REPLAY_OVERLAP = { seconds: 5, events: 2000 }

export interface Replay { events: FeedEvent[], complete: boolean }

/** The events after `after` (plus the overlap), oldest first, at most `limit`. */
export async function eventsAfter (db: Queryable, after: number, limit: number): Promise<Replay> {
  const from = Math.max(0, after - REPLAY_OVERLAP.events)
  const iso = (column: string) => sql.raw(`to_char(${column} at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`)
  const { rows } = await sql<FeedRow>`
    with mark as (
      select coalesce((select at from task_events where seq = ${after}), (select at from todo_events where seq = ${after})) as at
    )
    select * from (
      select 'task' as kind, seq, task_id::text, state, attempt, actor, error, null as op, null::integer[] as todo_ids, null::integer as count, ${iso('t.at')} as at
      from task_events t, mark
      where t.seq > ${from} and (t.seq > ${after} or t.at >= mark.at - make_interval(secs => ${REPLAY_OVERLAP.seconds}))
      union all
      select 'todo', seq, null, null, null, null, null, op, todo_ids, count, ${iso('d.at')}
      from todo_events d, mark
      where d.seq > ${from} and (d.seq > ${after} or d.at >= mark.at - make_interval(secs => ${REPLAY_OVERLAP.seconds}))
    ) e
    order by seq
    limit ${limit + 1}`.execute(db)
  return { events: rows.slice(0, limit).map(toEvent), complete: rows.length <= limit }
}

/** The newest event's number (0 when there is none): where a new client starts. */
export async function latestSeq (db: Queryable): Promise<number> {
  const { rows } = await sql<{ seq: number | null }>`
    select greatest((select max(seq) from task_events), (select max(seq) from todo_events)) as seq`.execute(db)
  return Number(rows[0]?.seq ?? 0)
}
