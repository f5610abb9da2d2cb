// Crash recovery in an HTTP process (see recovery.ts). Registered before the queue plugin, so it
// closes after pg-boss has stopped: the liveness session must outlive the jobs it vouches for.
import fp from 'fastify-plugin'
import type { ReadyConfig } from '../config.ts'
import type { WorkerLiveness } from './liveness.ts'
import { startCrashRecovery } from './recovery.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** this process's liveness session when it works jobs (WORKER_MODE=inline) */
    liveness: WorkerLiveness | undefined
  }
}

export const recoveryPlugin = fp<ReadyConfig>(async (app, config) => {
  const recovery = await startCrashRecovery(config, app.workDb, app.log, { worksJobs: config.worker.mode === 'inline' })
  app.decorate('liveness', recovery.liveness)
  app.addHook('onReady', async () => { recovery.startSweeping() })
  app.addHook('onClose', async () => { await recovery.close() })
}, { name: 'recovery', dependencies: ['db'] })
