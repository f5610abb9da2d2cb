// Calendar tasks as the API offers them: queue, find, wait for, cancel, retry and download. The
// routes translate the outcomes into HTTP; everything that talks to pg-boss and the store is here.
import { randomUUID } from 'node:crypto'
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { JobMetrics } from '../metrics/job-metrics.ts'
import type { PgBoss } from '../queue/boss.ts'
import type { JobSettledWaits } from '../queue/settled-waiters.ts'
import type { JobSubmitter } from '../queue/submitter.ts'
import type { TodoFilters } from '../todos/filters.ts'
import { ICAL_QUEUE, type IcalJobData } from './queue.ts'
import { calendarChunks, calendarInfo, type CalendarInfo } from './store.ts'
import { errorMessage, isFinished, taskStatusOf, type IcalJob, type TaskStatus } from './task-status.ts'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i

/** A job handed over by the worker that settled it in this process (JobSettledWaits.settlingHere). */
const isFinishedJob = (value: unknown, id: string): value is IcalJob =>
  typeof value === 'object' && value !== null && (value as IcalJob).id === id && isFinished(taskStatusOf(value as IcalJob))

export type CancelOutcome = { cancelled: true, job: IcalJob } | { cancelled: false, status: TaskStatus }
export type RetryOutcome = { retried: true, job: IcalJob } | { retried: false, status: TaskStatus }
export type Download =
  | { ready: true, info: CalendarInfo, chunks: AsyncIterable<string> }
  | { ready: false, status: TaskStatus, reason?: string, gone?: boolean }

export interface CalendarTasksDeps {
  boss: PgBoss
  db: Kysely<Database>
  settled: JobSettledWaits
  submitter: JobSubmitter<IcalJobData>
  /** counts the tasks this process revoked */
  metrics: JobMetrics
}

export function calendarTasks ({ boss, db, settled, submitter, metrics }: CalendarTasksDeps) {
  /** The job behind a task id; undefined for an unknown or malformed id. */
  const find = async (id: string): Promise<IcalJob | undefined> => {
    if (!UUID.test(id)) return undefined
    const [job] = await boss.findJobs<IcalJobData>(ICAL_QUEUE, { id })
    return job
  }

  return {
    find,

    /** Queue a calendar; resolves to the task id once the job is committed. */
    async queue (filters: TodoFilters): Promise<string> {
      const id = randomUUID()
      settled.expect(id) // before the job exists: any news of its settle comes after this
      try {
        return await submitter.submit({ filters }, id)
      } catch (error) {
        settled.forget(id)
        throw error
      }
    },

    /**
     * The job once it is finished, or as it is when `timeoutMs` has passed or `gone` aborts (the
     * client hung up). Woken by the database when the job settles; a wake-up for another reason
     * (the listener reconnected) just means: look again. Woken by this process's own worker, which
     * hands over the job as it committed it, there is nothing to read again. A job queued by this
     * process that has not settled since (settled.knownUnsettled) is not read before the first
     * wait: it could only be found unfinished, and that read was one more statement on every
     * job's path.
     */
    async waitUntilFinished (taskId: string, timeoutMs: number, gone: AbortSignal): Promise<IcalJob | undefined> {
      // Waiters are keyed by the id as the database writes it (lower case), whatever the URL said.
      const id = taskId.toLowerCase()
      const deadline = Date.now() + timeoutMs
      let unread = settled.knownUnsettled(id)
      for (;;) {
        const remaining = deadline - Date.now()
        const wait = remaining > 0 && !gone.aborted && settled.listening
        const done = new AbortController()
        // Listen before reading, so a job finishing in between still wakes us.
        const settledNow = wait ? settled.settled(id, { timeoutMs: remaining, signal: AbortSignal.any([gone, done.signal]) }) : undefined
        if (settledNow && unread) {
          unread = false
          const handed = await settledNow
          if (isFinishedJob(handed, id)) return handed
          continue // woken by news of it, or the time is up: read it
        }
        const job = await find(id)
        if (!settledNow || !job || isFinished(taskStatusOf(job))) {
          done.abort()
          return job
        }
        const handed = await settledNow
        if (isFinishedJob(handed, id)) return handed
      }
    },

    /** Cancel an unfinished task: it becomes REVOKED, and a running one stops at its next heartbeat. */
    async cancel (job: IcalJob): Promise<CancelOutcome> {
      if (isFinished(taskStatusOf(job))) return { cancelled: false, status: taskStatusOf(job) }
      // pg-boss reports how many rows its UPDATE changed (its typings do not show it yet). Only
      // the call that revoked the task counts it; the worker running it, if any, counts nothing.
      const { affected } = await boss.cancel(ICAL_QUEUE, job.id) as { affected?: number }
      if (affected === 1) metrics.finished.inc({ queue: ICAL_QUEUE, outcome: 'REVOKED' })
      // A job that finished between the read and the cancel keeps its status.
      const after = (await find(job.id)) ?? job
      return taskStatusOf(after) === 'REVOKED' ? { cancelled: true, job: after } : { cancelled: false, status: taskStatusOf(after) }
    },

    /** Run a FAILURE (one retry more) or REVOKED task again; it goes back to RETRY or PENDING. */
    async retry (job: IcalJob): Promise<RetryOutcome> {
      const status = taskStatusOf(job)
      let moved: { affected?: number } // (as cancel's above: pg-boss's typings do not show the count yet)
      if (status === 'FAILURE') moved = await boss.retry(ICAL_QUEUE, job.id)
      else if (status === 'REVOKED') moved = await boss.resume(ICAL_QUEUE, job.id)
      else return { retried: false, status }
      // Whether this call queued it again is what pg-boss's UPDATE says (another request may have
      // moved it first). The status read after may be further on already: a worker can have started
      // the job, or even failed it again, in between.
      const after = (await find(job.id)) ?? job
      return moved.affected === 1 ? { retried: true, job: after } : { retried: false, status: taskStatusOf(after) }
    },

    /** The calendar of a SUCCESS task, streamed a chunk at a time: the API never holds a whole one. */
    async download (job: IcalJob): Promise<Download> {
      const status = taskStatusOf(job)
      if (status === 'FAILURE') return { ready: false, status, reason: errorMessage(job) ?? 'unknown' }
      if (status === 'REVOKED') return { ready: false, status, reason: 'cancelled before it finished' }
      if (status !== 'SUCCESS') return { ready: false, status }
      const info = await calendarInfo(db, job.id)
      if (!info) return { ready: false, status, gone: true }
      return { ready: true, info, chunks: calendarChunks(db, info) }
    }
  }
}

export type CalendarTasks = ReturnType<typeof calendarTasks>
