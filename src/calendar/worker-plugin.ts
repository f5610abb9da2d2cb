import fp from 'fastify-plugin'
import type { ReadyConfig } from '../config.ts'
import { startCalendarWorkers } from './workers.ts'

/** WORKER_MODE=inline: this API process also works calendar jobs (stopped with the queue). */
export const inlineWorkerPlugin = fp<ReadyConfig>(async (app, config) => {
  await startCalendarWorkers(app.boss, { db: app.db, config, logger: app.log.child({ worker: 'inline' }) })
  app.log.info({ concurrency: config.worker.concurrency, batchSize: config.worker.batchSize }, 'calendar worker running in the API process')
}, { name: 'inline-worker', dependencies: ['db', 'queue'] })
