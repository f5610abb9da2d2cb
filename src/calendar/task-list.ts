// The job monitor's reads: recent calendar tasks newest first (keyset paging, optional status
// filter) and how many tasks are in each status. Read straight from pg-boss's job table, which
// pg-boss indexes by (name, created_on); the history is in task_events (task-history.ts).
import { sql } from 'kysely'
import type { Queryable } from '../db/schema.ts'
import { HttpError } from '../http/errors.ts'
import { ICAL_QUEUE } from './queue.ts'
import type { TaskSummary, TaskCounts } from './task-list-schemas.ts'
import { STATE_OF_STATUS, isFinished, statusOfState, type TaskStatus } from './task-status.ts'

export interface TaskListQuery { status?: TaskStatus, limit: number, before?: string }
export interface TaskPage { tasks: TaskSummary[], next: string | null }

interface Row {
  id: string
  state: string
  filters: unknown
  created_at: string
  created_key: string
  started_at: string | null
  completed_at: string | null
  duration_ms: number | null
  retry_count: number
  output: { message?: unknown, value?: unknown } | null
}

const iso = (column: string) => sql.raw(`to_char(${column} at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`)

// The cursor is the (created_on, id) of the last task shown, with created_on to the microsecond.
const encodeCursor = (row: Row) => Buffer.from(`${row.created_key}|${row.id}`).toString('base64url')
function decodeCursor (cursor: string): { createdKey: string, id: string } {
  const [createdKey, id] = Buffer.from(cursor, 'base64url').toString().split('|')
  if (!createdKey || !id || !/^\d{4}-\d\d-\d\dT[\d:.]+$/.test(createdKey) || !/^[0-9a-f-]{36}$/.test(id)) {
    throw new HttpError(400, 'query parameter before is not a cursor this API handed out (use the "next" of a previous page)')
  }
  return { createdKey, id }
}

export async function listTasks (db: Queryable, query: TaskListQuery): Promise<TaskPage> {
  const cursor = query.before === undefined ? undefined : decodeCursor(query.before)
  const { rows } = await sql<Row>`
    select id, state::text as state, data -> 'filters' as filters,
      ${iso('created_on')} as created_at,
      to_char(created_on at time zone 'utc', 'YYYY-MM-DD"T"HH24:MI:SS.US') as created_key,
      ${iso('started_on')} as started_at, ${iso('completed_on')} as completed_at,
      round(extract(epoch from (completed_on - started_on)) * 1000)::int as duration_ms,
      retry_count, output
    from pgboss.job
    where name = ${ICAL_QUEUE}
      ${query.status ? sql`and state = ${STATE_OF_STATUS[query.status]}::pgboss.job_state` : sql``}
      ${cursor ? sql`and (created_on, id) < ((${cursor.createdKey}::timestamp at time zone 'utc'), ${cursor.id}::uuid)` : sql``}
    order by created_on desc, id desc
    limit ${query.limit + 1}`.execute(db)
  const page = rows.slice(0, query.limit)
  return {
    tasks: page.map(summary),
    next: rows.length > query.limit ? encodeCursor(page[page.length - 1]!) : null
  }
}

function summary (row: Row): TaskSummary {
  const status = statusOfState(row.state)
  const filters = typeof row.filters === 'object' && row.filters !== null && !Array.isArray(row.filters) ? row.filters as TaskSummary['filters'] : {}
  const task: TaskSummary = {
    task_id: row.id,
    task_status: status,
    filters,
    created_at: row.created_at,
    started_at: row.started_at,
    finished_at: isFinished(status) ? row.completed_at : null,
    duration_ms: isFinished(status) && row.started_at ? row.duration_ms : null,
    // pg-boss counts a restart when it fetches a started job again.
    attempts: row.started_at === null ? 0 : row.retry_count + 1
  }
  if (status === 'FAILURE' || status === 'RETRY') {
    const message = row.output?.message ?? (row.output?.value as { message?: unknown } | undefined)?.message ?? row.output?.value
    if (typeof message === 'string') task.error = message
  }
  return task
}

export async function taskCounts (db: Queryable): Promise<TaskCounts> {
  const { rows } = await sql<{ state: string, count: number }>`
    select state::text as state, count(*)::int as count from pgboss.job where name = ${ICAL_QUEUE} group by state`.execute(db)
  const counts: TaskCounts = { PENDING: 0, STARTED: 0, RETRY: 0, FAILURE: 0, SUCCESS: 0, REVOKED: 0 }
  for (const row of rows) counts[statusOfState(row.state)] += row.count
  return counts
}
