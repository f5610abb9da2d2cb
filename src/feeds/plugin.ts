import fp from 'fastify-plugin'
import type { ReadyConfig } from '../config.ts'
import { startFeedConsumers } from './consumers.ts'

/** WORKER_MODE=inline: this API process also renders feeds. */
export const feedsPlugin = fp<ReadyConfig>(async (app, config) => {
  if (config.worker.mode === 'inline') await startFeedConsumers(app.boss, { db: app.workDb, config, logger: app.log.child({ worker: 'inline' }) })
}, { name: 'feeds', dependencies: ['db', 'queue'] })
