// How many tasks each queue holds per state, and how long its oldest ready task has waited, read
// from pg-boss's job table at scrape time (getQueueStats() is up to 60 s old). Cheap however many
// finished jobs are retained: every part of the statement is answered from pg-boss's own partial
// index job_i14 (name, state, blocked, start_after) WHERE state IN (created, retry, active,
// failed), which leaves completed and cancelled jobs (nearly all of a busy queue) out. The
// partition of each queue is picked by its name (pgboss.job is partitioned by name).
// bench/metrics-scrape.ts measures it with a million finished jobs.
import { sql, type Kysely } from 'kysely'
import type { TaskStatus } from '../calendar/task-status.ts'

/** The states pg-boss's live-job index holds, in the API's words. */
export const LIVE_STATES = { created: 'PENDING', active: 'STARTED', retry: 'RETRY', failed: 'FAILURE' } as const satisfies Record<string, TaskStatus>
export type LiveState = (typeof LIVE_STATES)[keyof typeof LIVE_STATES]

export interface QueueState {
  tasks: Record<LiveState, number>
  /** seconds since the oldest task that is ready to run (PENDING, or a RETRY that is due) became ready; 0 when none */
  oldestReadySeconds: number
}

// The predicate repeats job_i14's verbatim, so the planner matches the partial index. The oldest
// ready task is the first index entry of (queue, created|retry, not blocked) in start_after
// order, if it is due: two index probes, whatever the backlog. start_after is when a task
// became due: when it was queued, or when its retry delay ended.
const query = (queues: readonly string[]) => sql<{ queue: string, state: string, value: number }>`
  SELECT name AS queue, state::text AS state, count(*)::float8 AS value
  FROM pgboss.job
  WHERE name = ANY(${queues}::text[])
    AND state IN ('created', 'retry', 'active', 'failed')
  GROUP BY name, state
  UNION ALL
  SELECT q.name, 'oldest_ready', coalesce(extract(epoch FROM now() - least(
    (SELECT start_after FROM pgboss.job j WHERE j.name = q.name AND j.state = 'created' AND NOT j.blocked AND j.start_after <= now() ORDER BY start_after LIMIT 1),
    (SELECT start_after FROM pgboss.job j WHERE j.name = q.name AND j.state = 'retry' AND NOT j.blocked AND j.start_after <= now() ORDER BY start_after LIMIT 1)
  )), 0)::float8
  FROM unnest(${queues}::text[]) AS q(name)`

export async function readQueueStates (db: Kysely<any>, queues: readonly string[]): Promise<Map<string, QueueState>> {
  const states = new Map<string, QueueState>(queues.map((queue) => [queue, {
    tasks: { PENDING: 0, STARTED: 0, RETRY: 0, FAILURE: 0 },
    oldestReadySeconds: 0
  }]))
  const { rows } = await query(queues).execute(db)
  for (const row of rows) {
    const state = states.get(row.queue)
    if (!state) continue
    if (row.state === 'oldest_ready') state.oldestReadySeconds = row.value
    else state.tasks[LIVE_STATES[row.state as keyof typeof LIVE_STATES]] = row.value
  }
  return states
}
