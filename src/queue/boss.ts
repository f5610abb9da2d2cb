// The one place that owns pg-boss: how it connects, what it logs, and that the queues a caller
// names exist with the options it gives. Nothing here knows what a queue is for.
import { PgBoss, type ConstructorOptions, type Queue, type StopOptions } from 'pg-boss'
import type { ReadyConfig } from '../config.ts'
import { clientClass, connectionOptions, genericPlans } from '../db/connection.ts'
import type { BaseLogger } from '../logger.ts'
import { logBossErrors } from './outage-log.ts'
import { processName } from '../process-name.ts'
import { wakeOneWorkerPerNotify, type WakeListener } from './wake-one.ts'

export type { PgBoss }

export interface QueueDefinition { name: string, options: Omit<Queue, 'name'> }

function bossOptions (config: ReadyConfig, role: string): ConstructorOptions {
  return {
    ...connectionOptions(config.database, processName(role)),
    max: config.database.poolMax,
    // pg-boss hands its options to pg.Pool, so its pool prepares its statements too (its large
    // CTEs plan slower than they run), each planned once, unless DATABASE_PREPARED_STATEMENTS=false.
    ...{ Client: clientClass(config.database), ...genericPlans(config.database) },
    // pg-boss's own listener wakes every worker of a queue for each job; wake-one.ts listens on
    // the same channel instead (started below when QUEUE_LISTEN_NOTIFY is on).
    useListenNotify: false,
    // One pass finds the jobs of dead workers (missed heartbeats) and expired ones; the monitor
    // claim gates that part per queue, so both intervals follow the one setting.
    superviseIntervalSeconds: config.queue.superviseSeconds,
    monitorIntervalSeconds: config.queue.superviseSeconds,
    instanceName: `taskoverflow-${role}`
  }
}

/** pg-boss with the listener that wakes its workers (wake-one.ts), closed first when it stops, as pg-boss closes its own. */
class ListeningBoss extends PgBoss {
  listener: WakeListener | undefined

  override async stop (options?: StopOptions): Promise<void> {
    const listener = this.listener
    this.listener = undefined
    await listener?.close().catch(() => {})
    return super.stop(options)
  }
}

/** Start pg-boss and make sure these queues exist, in this order (a dead-letter queue first). */
export async function startBoss (config: ReadyConfig, logger: BaseLogger, role: string, queues: QueueDefinition[]): Promise<PgBoss> {
  const boss = new ListeningBoss(bossOptions(config, role))
  // Both listeners before start(): an 'error' event without a listener would kill the process.
  logBossErrors(boss, logger, config.database.source)
  boss.on('warning', (warning) => logger.warn({ warning: warning.data }, `pg-boss warning: ${warning.message}`))
  try {
    await boss.start()
    for (const { name, options } of queues) await ensureQueue(boss, name, options)
    if (config.queue.listenNotify) await listenForJobs(boss, logger)
  } catch (error) {
    // A half-started pg-boss keeps its pool and timers (and the process) alive: stop it.
    await boss.stop({ graceful: false }).catch(() => {})
    throw error
  }
  return boss
}

/** Install or upgrade pg-boss's own schema (under its advisory lock), and nothing else. */
export async function installBossSchema (config: ReadyConfig, logger: BaseLogger): Promise<void> {
  const boss = new PgBoss({ ...bossOptions(config, 'migrate'), supervise: false, schedule: false, useListenNotify: false, migrate: true })
  boss.on('error', (err) => logger.error({ err }, 'pg-boss error'))
  await boss.start()
  await boss.stop({ graceful: false })
}

// createQueue ignores the options of a queue that already exists, so apply changed configuration
// (retention, retries, expiry) with updateQueue; policy cannot change after creation.
async function ensureQueue (boss: PgBoss, name: string, options: Omit<Queue, 'name'>): Promise<void> {
  await boss.createQueue(name, options)
  const { policy: _policy, ...updatable } = options
  await boss.updateQueue(name, updatable)
}

/** Wake a worker when a job is queued (wake-one.ts); without that listener, workers still poll. */
async function listenForJobs (boss: ListeningBoss, logger: BaseLogger): Promise<void> {
  try {
    boss.listener = await wakeOneWorkerPerNotify(boss)
  } catch (err) {
    logger.warn({ err }, 'could not LISTEN for queued jobs: workers find them by polling (WORKER_POLL_SECONDS)')
  }
}
