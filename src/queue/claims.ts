// Which worker runs which attempt: pg-boss records nothing about the worker on a job, so a
// handler wrapped here first records (job, attempt) -> this process's liveness id, then runs with
// each job's signal also aborted when that liveness session ends (the job is then handed back,
// and this attempt must stop). The window between pg-boss's fetch and this insert's commit is a
// few milliseconds: a worker killed inside it leaves its jobs to pg-boss's heartbeat supervision.
import { sql, type Kysely } from 'kysely'
import type { Job } from 'pg-boss'
import type { Database } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import type { WorkerLiveness } from './liveness.ts'

export async function recordClaims (db: Kysely<Database>, queue: string, workerId: number, jobs: Array<Pick<Job, 'id' | 'retryCount'>>): Promise<void> {
  if (jobs.length === 0) return
  await sql`
    insert into job_claims (job_id, queue, attempt, worker_id)
    select id, ${queue}, attempt, ${workerId}
    from unnest(${jobs.map((job) => job.id)}::uuid[], ${jobs.map((job) => job.retryCount)}::int[]) as t (id, attempt)
    on conflict (job_id) do update set attempt = excluded.attempt, worker_id = excluded.worker_id
  `.execute(db)
}

/** The handler, with its jobs claimed under this process's liveness session (if it has one now). */
export function claimingHandler<J extends Job<any>, R> (
  deps: { db: Kysely<Database>, liveness?: WorkerLiveness | undefined, logger: BaseLogger },
  queue: string,
  handler: (jobs: J[]) => Promise<R>
): (jobs: J[]) => Promise<R> {
  const { db, liveness, logger } = deps
  if (!liveness) return handler
  return async (jobs) => {
    const session = liveness.session
    if (!session) return handler(jobs) // re-opening: untracked, as without WORKER_LIVENESS
    // The claim is written while the handler starts (its first statement, the todo read, goes out
    // on another connection beside it): one round trip less on every job's path. Nothing the
    // handler does depends on it; it only lets the sweep hand the jobs back should this process
    // die, so a claim that lands after the job settled is harmless (the sweep skips settled jobs
    // and removes their claims).
    let claimed = true
    const claim = recordClaims(db, queue, session.id, jobs).catch((err: unknown) => {
      claimed = false
      logger.warn({ err }, 'could not record the jobs\' worker: a crash now is noticed by pg-boss\'s heartbeat only')
    })
    // Jobs whose claim failed are not handed back when the session ends (nothing names them), so
    // they are not stopped then either.
    const lost = new AbortController()
    const onLost = () => { if (claimed) lost.abort(session.signal.reason) }
    session.signal.addEventListener('abort', onLost, { once: true })
    try {
      return await handler(jobs.map((job) => ({ ...job, signal: AbortSignal.any([job.signal, lost.signal]) })))
    } finally {
      session.signal.removeEventListener('abort', onLost)
      await claim
    }
  }
}
