// Entry point of a standalone calendar worker (`npm run worker`); run as many as you like.
// configuration -> database (joined, migrated) -> queue -> consumers (calendars, feeds), and a
// graceful stop.
import closeWithGrace from 'close-with-grace'
import type { Kysely } from 'kysely'
import { startCalendarConsumers } from './calendar/consumers.ts'
import { calendarQueues } from './calendar/queue.ts'
import { loadConfigOrExit } from './config.ts'
import { startFeedConsumers } from './feeds/consumers.ts'
import { feedQueues } from './feeds/queue.ts'
import { createDatabase, createPool } from './db/connection.ts'
import { oneTripTransactions } from './db/one-trip.ts'
import type { Database } from './db/schema.ts'
import { startWorkerListener, type WorkerListener } from './health/worker-listener.ts'
import { createLogger } from './logger.ts'
import { processName } from './process-name.ts'
import { JobMetrics } from './metrics/job-metrics.ts'
import { createMetricsRegistry } from './metrics/registry.ts'
import { startBoss, type PgBoss } from './queue/boss.ts'
import { startCrashRecovery, type CrashRecovery } from './queue/recovery.ts'
import { openDatabase } from './startup.ts'

const config = loadConfigOrExit()
const logger = createLogger(config.logLevel, 'taskoverflow-worker')
const timeoutMs = config.worker.shutdownTimeoutMs
// This process's own counters; its HTTP listener serves them at GET /metrics (metricsRoute).
const metricsRegistry = createMetricsRegistry()

let db: Kysely<Database> | undefined
let boss: PgBoss | undefined
let listener: WorkerListener | undefined
let recovery: CrashRecovery | undefined
// Jobs still running at the timeout are failed by pg-boss and retried by another worker.
const stop = async () => {
  await listener?.close()
  await boss?.stop({ graceful: true, timeout: timeoutMs })
  await recovery?.close() // after the jobs: the liveness session vouches for them until then
  await db?.destroy()
}

try {
  const { config: ready } = await openDatabase(config, logger, { embedded: 'join' })
  const pool = createPool(ready.database, processName('worker'))
  db = createDatabase(pool)
  recovery = await startCrashRecovery(ready, db, logger, { worksJobs: true })
  boss = await startBoss(ready, logger, 'worker', [...calendarQueues(ready), ...feedQueues(ready.queue.listenNotify)])
  closeWithGrace({ delay: timeoutMs + 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'unexpected error: stopping')
    else logger.info({ signal, timeoutMs }, 'stopping: no new jobs, finishing active ones')
    await stop()
  })
  await startCalendarConsumers(boss, { db, oneTrip: oneTripTransactions(pool), config: ready, logger, metrics: new JobMetrics(metricsRegistry), liveness: recovery.liveness })
  await startFeedConsumers(boss, { db, config: ready, logger })
  if (config.worker.httpPort !== undefined) {
    listener = await startWorkerListener({ host: config.http.host, port: config.worker.httpPort, db, boss, logger, metrics: metricsRegistry })
  }
  recovery.startSweeping()
  logger.info({ concurrency: config.worker.concurrency, batchSize: config.worker.batchSize }, 'calendar worker ready')
} catch (error) {
  logger.fatal({ err: error }, `could not start: ${(error as Error).message}`)
  await stop().catch((err: unknown) => logger.error({ err }, 'could not stop cleanly'))
  process.exit(1)
}
