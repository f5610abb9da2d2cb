// The sweep: every second, any process hands back (to 'retry', due at once) the active jobs whose
// worker's liveness lock (liveness.ts) nobody holds any more: the worker died, and Postgres knew
// the moment its session ended. One statement, cheap when there is nothing to do (a read of
// pg_locks and of the claims of jobs in flight). Several processes sweeping at once are safe:
// each job row is locked (SKIP LOCKED) and checked to be the same attempt before it changes.
//
// A crash does not use up a retry: the job's retry_limit grows by one, as pg-boss's own retry()
// does, while retry_count still counts the attempt, so pg-boss's attempt fence (complete and fail
// match retry_count) still tells the dead attempt from the next. A job whose worker died
// MAX_FREE_CRASHES times (one that kills its worker?) is left to pg-boss's heartbeat supervision,
// which counts each crash as a retry and ends in the dead-letter queue.
import { sql, type Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import { LIVENESS_LOCK_NAMESPACE } from './liveness.ts'
import { bossChannel } from './wake-one.ts'

export const SWEEP_EVERY_MS = 1000
export const MAX_FREE_CRASHES = 3

// pg-boss's NOTIFY channel (wake-one.ts listens on it): a retry becomes due without a
// notification, so the sweep sends one, and a waiting worker fetches the job at once.
const BOSS_CHANNEL = bossChannel()

export interface HandedBack { queue: string, id: string }

/** One pass: hand back the jobs of dead workers, forget claims of jobs that are over. */
export async function sweepOrphanedJobs (db: Kysely<Database>): Promise<HandedBack[]> {
  const { rows } = await sql<HandedBack>`
    with live as materialized (
      select objid::bigint as worker_id from pg_locks
      where locktype = 'advisory' and objsubid = 2 and classid::bigint = ${LIVENESS_LOCK_NAMESPACE}
        and database = (select oid from pg_database where datname = current_database())
    ),
    orphaned as (
      select j.name, j.id
      from job_claims c
      join pgboss.job j on j.name = c.queue and j.id = c.job_id
      where j.state = 'active' and j.retry_count = c.attempt and c.crashes < ${MAX_FREE_CRASHES}
        and c.worker_id not in (select worker_id from live)
      for update of j skip locked
    ),
    handed_back as (
      update pgboss.job j
      set state = 'retry', start_after = now(), heartbeat_on = null, retry_limit = j.retry_limit + 1
      from orphaned o
      where j.name = o.name and j.id = o.id
      returning j.name, j.id
    ),
    counted as (
      update job_claims c set crashes = c.crashes + 1 from handed_back h where c.job_id = h.id
    ),
    woken as (
      select pg_notify(${BOSS_CHANNEL}, q.name) from (select distinct name from handed_back) q
    )
    -- (woken is read only so that Postgres runs the notify: an unreferenced CTE that selects is skipped)
    select name as queue, id, (select count(*) from woken) as woken from handed_back
  `.execute(db)
  // Claims outlive their attempt (a crash between the handler's end and pg-boss's completion must
  // still be seen); they go once the job is finished or gone.
  // (SKIP LOCKED: sweepers in other processes deleting the same rows neither wait nor deadlock.)
  await sql`
    delete from job_claims where job_id in (
      select c.job_id from job_claims c
      where not exists (select 1 from pgboss.job j where j.name = c.queue and j.id = c.job_id and j.state < 'completed')
      for update skip locked
    )
  `.execute(db)
  return rows.map(({ queue, id }) => ({ queue, id }))
}

export interface Sweeper {
  /** A pass that starts now (after the one running, if any): it sees what happened before the call. */
  sweepNow (): Promise<HandedBack[]>
  /** Sweep every SWEEP_EVERY_MS from now on. */
  start (): void
  stop (): Promise<void>
}

/** A sweeper, started apart (a pass never overlaps the previous one). */
export function createSweeper (db: Kysely<Database>, logger: BaseLogger): Sweeper {
  let running: Promise<HandedBack[]> | undefined
  const pass = (): Promise<HandedBack[]> => {
    running ??= sweepOrphanedJobs(db)
      .then((handedBack) => {
        if (handedBack.length > 0) logger.warn({ jobs: handedBack }, `handed back ${handedBack.length} job(s) whose worker's session ended`)
        return handedBack
      })
      .finally(() => { running = undefined })
    return running
  }
  const sweepNow = async (): Promise<HandedBack[]> => {
    await running?.catch(() => {})
    return pass()
  }
  let timer: NodeJS.Timeout | undefined
  return {
    sweepNow,
    start () {
      // A failed pass (database away) is retried a second later; pg-boss already says the database is gone.
      timer ??= setInterval(() => { pass().catch((err: unknown) => logger.debug({ err }, 'sweep failed')) }, SWEEP_EVERY_MS)
      timer.unref()
    },
    async stop () {
      clearInterval(timer)
      await running?.catch(() => {})
    }
  }
}
