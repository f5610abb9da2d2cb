// Entry point of a standalone calendar worker (`npm run worker`); run as many as you like.
import closeWithGrace from 'close-with-grace'
import { startCalendarWorkers } from './calendar/workers.ts'
import { ConfigError, loadConfig, withDatabaseUrl } from './config.ts'
import { joinDatabase } from './db/choose.ts'
import { createDatabase, createPool } from './db/connection.ts'
import { migrateToLatest } from './db/migrate.ts'
import { createLogger } from './logger.ts'
import { startBoss } from './queue/boss.ts'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}
const logger = createLogger(config.logLevel, 'taskoverflow-worker')

try {
  const ready = withDatabaseUrl(config, await joinDatabase(config, logger))
  const db = createDatabase(createPool(ready.database, 'taskoverflow-worker'))
  if (ready.database.migrateOnStart) await migrateToLatest(db)
  const boss = await startBoss(ready, logger, 'worker')
  closeWithGrace({ delay: config.worker.shutdownTimeoutMs + 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'unexpected error: stopping')
    else logger.info({ signal, timeoutMs: config.worker.shutdownTimeoutMs }, 'stopping: no new jobs, finishing active ones')
    // Jobs still running at the timeout are failed by pg-boss and retried by another worker.
    await boss.stop({ graceful: true, timeout: config.worker.shutdownTimeoutMs })
    await db.destroy()
  })
  await startCalendarWorkers(boss, { db, config: ready, logger })
  logger.info({ concurrency: config.worker.concurrency, batchSize: config.worker.batchSize }, 'calendar worker ready')
} catch (error) {
  logger.fatal({ err: error }, `could not start: ${(error as Error).message}`)
  process.exitCode = 1
}
