// The calendar feature of an HTTP process: the task service the routes use and, with
// WORKER_MODE=inline, the calendar consumers in this same process (stopped with the queue).
import fp from 'fastify-plugin'
import type { ReadyConfig } from '../config.ts'
import { JobSubmitter } from '../queue/submitter.ts'
import { startCalendarConsumers } from './consumers.ts'
import { ICAL_QUEUE, type IcalJobData } from './queue.ts'
import { calendarTasks, type CalendarTasks } from './tasks.ts'

declare module 'fastify' {
  interface FastifyInstance {
    calendarTasks: CalendarTasks
  }
}

export const calendarPlugin = fp<ReadyConfig>(async (app, config) => {
  const metrics = app.metrics.jobs
  const submitter = new JobSubmitter<IcalJobData>(app.boss, ICAL_QUEUE, { onQueued: (count) => metrics.queued.inc({ queue: ICAL_QUEUE }, count) })
  app.decorate('calendarTasks', calendarTasks({ boss: app.boss, db: app.db, settled: app.jobSettled, submitter, metrics }))
  if (config.worker.mode === 'inline') {
    // The inline worker wakes this process's waiters itself when it completes a job.
    const settled = app.jobSettled
    await startCalendarConsumers(app.boss, { db: app.workDb, oneTrip: app.workOneTrip, config, logger: app.log.child({ worker: 'inline' }), metrics, settlingHere: (id) => settled.settlingHere(id), liveness: app.liveness })
    app.log.info({ concurrency: config.worker.concurrency, batchSize: config.worker.batchSize }, 'calendar worker running in the API process')
  }
}, { name: 'calendar', dependencies: ['db', 'queue', 'metrics', 'recovery'] })
