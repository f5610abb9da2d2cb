// Crash recovery for one process (WORKER_LIVENESS): the sweep that hands back the jobs of dead
// workers runs in every process, API or worker; a process that works jobs (a standalone worker,
// or the API with WORKER_MODE=inline) also holds a liveness session and records its jobs under it.
import type { Kysely } from 'kysely'
import type { ReadyConfig } from '../config.ts'
import type { Database } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import { WorkerLiveness } from './liveness.ts'
import { createSweeper } from './sweep.ts'

export interface CrashRecovery {
  /** undefined: this process works no jobs, or WORKER_LIVENESS=false */
  liveness: WorkerLiveness | undefined
  /** Start sweeping each second, once the process has started (a failed start-up leaves no timer). */
  startSweeping (): void
  /** After pg-boss has stopped: a closed liveness session lets any sweep hand back what is left. */
  close (): Promise<void>
}

export async function startCrashRecovery (config: ReadyConfig, db: Kysely<Database>, logger: BaseLogger, { worksJobs }: { worksJobs: boolean }): Promise<CrashRecovery> {
  if (!config.worker.liveness) return { liveness: undefined, startSweeping: () => {}, close: async () => {} }
  const sweeper = createSweeper(db, logger)
  let liveness: WorkerLiveness | undefined
  try {
    liveness = worksJobs ? await WorkerLiveness.open(config, logger, { onLost: async () => { await sweeper.sweepNow() } }) : undefined
  } catch (error) {
    await sweeper.stop()
    throw error
  }
  return {
    liveness,
    startSweeping: () => sweeper.start(),
    async close () {
      await sweeper.stop()
      await liveness?.close()
    }
  }
}
