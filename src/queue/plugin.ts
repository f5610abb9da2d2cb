// pg-boss for an HTTP process: started with the queues the caller names, plus the listener that
// wakes requests waiting for a job to settle. Stopped after the HTTP server has closed.
import fp from 'fastify-plugin'
import type { ReadyConfig } from '../config.ts'
import { startBoss, type PgBoss, type QueueDefinition } from './boss.ts'
import { JobSettledListener } from './job-settled.ts'
import { JobSettledPoller } from './job-settled-poller.ts'
import type { JobSettledWaits } from './settled-waiters.ts'

declare module 'fastify' {
  interface FastifyInstance {
    boss: PgBoss
    jobSettled: JobSettledWaits
  }
}

export interface QueuePluginOptions {
  config: ReadyConfig
  queues: QueueDefinition[]
  /** The channel the settled-job trigger notifies (see db/migrations). */
  settledChannel: string
}

export const queuePlugin = fp<QueuePluginOptions>(async (app, { config, queues, settledChannel }) => {
  const boss = await startBoss(config, app.log, 'api', queues)
  // After the HTTP server closed (onClose runs in reverse order: before the pool closes):
  // stop fetching jobs and give active ones time to finish. Added at once, so a failure below
  // (buildApp then closes the app) stops pg-boss too.
  app.addHook('onClose', async () => {
    await boss.stop({ graceful: true, timeout: config.worker.shutdownTimeoutMs })
  })
  // `?wait=` learns of settled jobs by LISTEN, or (no LISTEN, e.g. behind PgBouncer in transaction
  // mode) by polling: see job-settled-poller.ts.
  const jobSettled: JobSettledWaits = config.queue.listenNotify
    ? await JobSettledListener.start(boss.getDb(), settledChannel)
    : new JobSettledPoller(boss.getDb())
  app.decorate('boss', boss)
  app.decorate('jobSettled', jobSettled)
  // Before the server stops accepting: answer the requests waiting on ?wait= now, so closing
  // does not hang on them for up to 30 s.
  app.addHook('preClose', async () => { await jobSettled.close() })
}, { name: 'queue', dependencies: ['db'] })
