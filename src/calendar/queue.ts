// The calendar's queues: names, payload types and options, declared once for the API, the
// workers and tests.
import { Type } from '@sinclair/typebox'
import type { Queue } from 'pg-boss'
import type { Config } from '../config.ts'
import type { QueueDefinition } from '../queue/boss.ts'
import type { TodoFilters } from '../todos/filters.ts'

export const ICAL_QUEUE = 'ical'
export const ICAL_DEAD_LETTER_QUEUE = 'ical-dead-letter'
export const CALENDAR_CLEANUP_QUEUE = 'calendar-cleanup'
// The channel on which the settled-job trigger announces a finished `ical` job; it is also named
// in db/migrations/0004_job_settled_trigger.ts (migrations never import application code).
export const ICAL_SETTLED_CHANNEL = 'taskoverflow_job_settled'

/** A calendar job carries what to build, never a copy of the todos: the worker reads them. */
export interface IcalJobData { filters: TodoFilters }

/** The same, as a schema: jobs may come from other producers (or older releases), so check them. */
export const IcalJobDataSchema = Type.Object({
  filters: Type.Object({
    completed: Type.Optional(Type.Boolean()),
    window: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999 }))
  }, { additionalProperties: false })
})

/** What a finished calendar job stores as its pg-boss output (the calendar itself is in `calendars`). */
export interface IcalJobOutput { events: number, bytes: number }

const DAY = 86_400

// Heartbeats let a worker learn within seconds that its job was cancelled (job.signal), and let
// pg-boss notice a worker that died mid-job after about heartbeat + 60 s instead of waiting for
// the job to expire. 10 s is pg-boss's minimum; one tiny UPDATE per batch every 5 s.
export const ICAL_HEARTBEAT_SECONDS = 10

export function icalQueueOptions (jobs: Config['jobs'], listenNotify: boolean): Omit<Queue, 'name'> {
  return {
    policy: 'standard',
    // Queuing a job NOTIFYs, and a worker wakes on it (src/queue/wake-one.ts) instead of finding
    // the job at its next poll.
    notify: listenNotify,
    retryLimit: jobs.retryLimit,
    retryDelay: jobs.retryDelaySeconds,
    retryBackoff: true,
    retryDelayMax: 300,
    expireInSeconds: jobs.expireInSeconds,
    heartbeatSeconds: ICAL_HEARTBEAT_SECONDS,
    retentionSeconds: 14 * DAY, // how long a job may wait to be started
    deleteAfterSeconds: jobs.retentionDays * DAY, // how long a finished job (and its status) is kept
    deadLetter: ICAL_DEAD_LETTER_QUEUE
  }
}

export function deadLetterQueueOptions (jobs: Config['jobs']): Omit<Queue, 'name'> {
  // Nobody works this queue: its jobs are kept for people to inspect (and redrive) for 30+ days.
  const keep = Math.max(30, jobs.retentionDays) * DAY
  return { policy: 'standard', retentionSeconds: keep, deleteAfterSeconds: keep }
}

export function cleanupQueueOptions (): Omit<Queue, 'name'> {
  return { policy: 'exclusive', retryLimit: 1, expireInSeconds: 600, deleteAfterSeconds: DAY }
}

/** Every queue the calendar uses, in creation order (a dead-letter queue before the queue naming it). */
export function calendarQueues (config: Pick<Config, 'jobs' | 'queue'>): QueueDefinition[] {
  return [
    { name: ICAL_DEAD_LETTER_QUEUE, options: deadLetterQueueOptions(config.jobs) },
    { name: ICAL_QUEUE, options: icalQueueOptions(config.jobs, config.queue.listenNotify) },
    { name: CALENDAR_CLEANUP_QUEUE, options: cleanupQueueOptions() }
  ]
}
