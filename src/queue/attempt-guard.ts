// A worker may go on running a job that was taken from it: its liveness session ended and the
// sweep handed the job back (or pg-boss failed it for a missed heartbeat or expiry). pg-boss's
// complete and fail only touch the attempt they fetched (same retry_count), but what the handler
// stores in our own tables is not fenced by them: a stale attempt that stores after the next one
// would replace its result. So a handler stores only for attempts still current, checked in the
// storing transaction with a row lock that holds them current until it commits: the sweep skips
// locked rows (and hands them back at its next pass), so the next attempt runs, and stores,
// only after this one committed. KEY SHARE does not block pg-boss's heartbeat or completion.
import { sql, type Transaction } from 'kysely'
import type { Job } from 'pg-boss'
import type { Database } from '../db/schema.ts'

/** The ids among these jobs whose fetched attempt is still the active one, locked until commit. */
export async function lockCurrentAttempts (trx: Transaction<Database>, queue: string, jobs: Array<Pick<Job, 'id' | 'retryCount'>>): Promise<Set<string>> {
  if (jobs.length === 0) return new Set()
  const { rows } = await sql<{ id: string }>`
    select j.id from pgboss.job j
    join unnest(${jobs.map((job) => job.id)}::uuid[], ${jobs.map((job) => job.retryCount)}::int[]) as a (id, attempt)
      on j.id = a.id and j.retry_count = a.attempt
    where j.name = ${queue} and j.state = 'active'
    for key share of j
  `.execute(trx)
  return new Set(rows.map((row) => row.id))
}

export class StaleAttemptError extends Error {
  override name = 'StaleAttemptError'
  constructor () { super('the job was handed to another attempt: this one stores nothing') }
}
