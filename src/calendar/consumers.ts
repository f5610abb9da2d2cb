// The calendar's consumers: its job handler and the hourly cleanup, subscribed to their queues
// the same way in the API process (WORKER_MODE=inline) and in `npm run worker`. Any number of processes may do this against one database: pg-boss hands each
// job to one of them (SELECT ... FOR UPDATE SKIP LOCKED), and a job that fails or whose worker
// dies is retried, so every job runs at least once, and once in the normal case.
import type { PgBoss } from 'pg-boss'
import type { JobMetrics } from '../metrics/job-metrics.ts'
import { claimingHandler } from '../queue/claims.ts'
import type { OneTripTransaction } from '../db/one-trip.ts'
import { completeInTransaction } from '../queue/complete-in-transaction.ts'
import { wakeOneWorker } from '../queue/wake-one.ts'
import type { WorkerLiveness } from '../queue/liveness.ts'
import type { Config } from '../config.ts'
import { CALENDAR_CLEANUP_QUEUE, ICAL_QUEUE, type IcalJobOutput } from './queue.ts'
import { icalJobHandler, type IcalJobDeps } from './job.ts'
import { deleteCalendarsOlderThan } from './store.ts'
import { deleteExpiredEvents } from './task-history.ts'

export interface CalendarConsumerDeps extends Omit<IcalJobDeps, 'completing'> {
  /** transactions sent as one round trip, on this process's work pool (a job stored on its own) */
  oneTrip: OneTripTransaction
  /** where this process counts the attempts it runs */
  metrics: JobMetrics
  /** this process's liveness session: its jobs are handed back at once if it dies (WORKER_LIVENESS) */
  liveness?: WorkerLiveness | undefined
}

/** How a calendar worker fetches (also what bench/peers/pg-boss-as-served.ts runs pg-boss with). */
export function calendarWorkOptions (worker: Config['worker']) {
  return {
    batchSize: worker.batchSize,
    localConcurrency: worker.concurrency,
    // A full batch means more are waiting: fetch again at once instead of after a polling
    // interval, so a backlog drains at the speed of the handler.
    burstWhenBatchFull: true,
    // NOTIFY wakes workers for new jobs only. A retry becomes due without one, so the backstop
    // poll decides how soon it runs: every WORKER_POLL_SECONDS (2) rather than pg-boss's 30 s.
    pollingIntervalSeconds: worker.pollSeconds,
    notifyPollingIntervalSeconds: worker.pollSeconds,
    perJobResults: true,
    // Creation, start and due times and the retry limit, for the wait and end-to-end metrics.
    includeMetadata: true
  } as const
}

export async function startCalendarConsumers (boss: PgBoss, deps: CalendarConsumerDeps): Promise<void> {
  const { worker, jobs } = deps.config
  // A job stored on its own is completed in its storing transaction (job.ts), by pg-boss's complete().
  const completing = { complete: completeInTransaction<IcalJobOutput>(boss, ICAL_QUEUE), transaction: deps.oneTrip }
  const handler = deps.metrics.instrument(ICAL_QUEUE, worker.concurrency, claimingHandler(deps, ICAL_QUEUE, icalJobHandler({ ...deps, completing })))
  // A full batch: more may be waiting that one NOTIFY announced, so another loop is woken to share them.
  const recruiting: typeof handler = (jobs) => {
    if (jobs.length >= worker.batchSize) wakeOneWorker(boss, ICAL_QUEUE)
    return handler(jobs)
  }
  await boss.work(ICAL_QUEUE, calendarWorkOptions(worker), recruiting)

  // Calendars are kept as long as their jobs: an hourly sweep removes the expired ones.
  await boss.work(CALENDAR_CLEANUP_QUEUE, { includeMetadata: true }, deps.metrics.instrument(CALENDAR_CLEANUP_QUEUE, 1, async () => {
    const deleted = await deleteCalendarsOlderThan(deps.db, jobs.retentionDays)
    if (deleted > 0) deps.logger.info({ deleted }, 'expired calendars deleted')
    const events = await deleteExpiredEvents(deps.db) // task histories go with their tasks
    if (events > 0) deps.logger.info({ events }, 'expired task and todo events deleted')
  }))
  await boss.schedule(CALENDAR_CLEANUP_QUEUE, '17 * * * *')
}
