import fp from 'fastify-plugin'
import type { ReadyConfig } from '../config.ts'
import { startBoss, type PgBoss } from './boss.ts'
import { JobSettledListener } from './job-settled.ts'
import { ICAL_QUEUE, type IcalJobData } from './queues.ts'
import { JobSubmitter } from './submitter.ts'

declare module 'fastify' {
  interface FastifyInstance {
    boss: PgBoss
    jobSettled: JobSettledListener
    icalJobs: JobSubmitter<IcalJobData>
  }
}

export const queuePlugin = fp<ReadyConfig>(async (app, config) => {
  const boss = await startBoss(config, app.log, 'api')
  const jobSettled = await JobSettledListener.start(boss.getDb())
  app.decorate('boss', boss)
  app.decorate('jobSettled', jobSettled)
  app.decorate('icalJobs', new JobSubmitter<IcalJobData>(boss, ICAL_QUEUE))
  // Before the server stops accepting: answer the requests waiting on ?wait= now, so closing
  // does not hang on them for up to 30 s.
  app.addHook('preClose', async () => { await jobSettled.close() })
  // After the HTTP server closed (onClose runs in reverse order: before the pool closes):
  // stop fetching jobs and give active ones time to finish.
  app.addHook('onClose', async () => {
    await boss.stop({ graceful: true, timeout: config.worker.shutdownTimeoutMs })
  })
}, { name: 'queue', dependencies: ['db'] })
