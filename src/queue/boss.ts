// The one place that owns pg-boss: how it connects, what it logs, which queues exist and with
// which options. The API (inline worker or not), `npm run worker` and tests all start it here.
import { PgBoss, type Queue } from 'pg-boss'
import type { ReadyConfig } from '../config.ts'
import { connectionOptions } from '../db/connection.ts'
import { PreparingClient } from '../db/preparing-client.ts'
import type { BaseLogger } from '../logger.ts'
import { attachJobSettledTrigger } from './job-settled.ts'
import {
  CALENDAR_CLEANUP_QUEUE, ICAL_DEAD_LETTER_QUEUE, ICAL_QUEUE,
  cleanupQueueOptions, deadLetterQueueOptions, icalQueueOptions
} from './queues.ts'

export type { PgBoss }

export async function startBoss (config: ReadyConfig, logger: BaseLogger, role: 'api' | 'worker'): Promise<PgBoss> {
  const boss = new PgBoss({
    ...connectionOptions(config.database, `taskoverflow-${role}-boss`),
    max: config.database.poolMax,
    // pg-boss hands its options to pg.Pool, so its pool prepares its statements too (its large
    // CTEs plan slower than they run).
    ...{ Client: PreparingClient },
    useListenNotify: config.queue.listenNotify,
    instanceName: `taskoverflow-${role}`
  })
  // Both listeners before start(): an 'error' event without a listener would kill the process.
  boss.on('error', (err) => logger.error({ err }, 'pg-boss error'))
  boss.on('warning', (warning) => logger.warn({ warning: warning.data }, `pg-boss warning: ${warning.message}`))
  await boss.start()
  // A dead-letter queue must exist before a queue names it.
  await ensureQueue(boss, ICAL_DEAD_LETTER_QUEUE, deadLetterQueueOptions(config.jobs))
  await ensureQueue(boss, ICAL_QUEUE, icalQueueOptions(config.jobs, config.queue.listenNotify))
  await ensureQueue(boss, CALENDAR_CLEANUP_QUEUE, cleanupQueueOptions())
  await attachJobSettledTrigger(boss.getDb())
  return boss
}

// createQueue ignores the options of a queue that already exists, so apply changed configuration
// (retention, retries, expiry) with updateQueue; policy cannot change after creation.
async function ensureQueue (boss: PgBoss, name: string, options: Omit<Queue, 'name'>): Promise<void> {
  await boss.createQueue(name, options)
  const { policy: _policy, ...updatable } = options
  await boss.updateQueue(name, updatable)
}
