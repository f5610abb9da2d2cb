// Entry point of `npm run migrate`: bring the database schema up to date, then exit.
// pg-boss installs and migrates its own schema when it starts, under its own lock.
import { loadConfigOrExit } from './config.ts'
import { findRunningEmbeddedPostgres, startEmbeddedPostgres } from './db/embedded-postgres.ts'
import { createDatabase, createPool } from './db/connection.ts'
import { migrateToLatest } from './db/migrate.ts'
import { createLogger } from './logger.ts'

const config = loadConfigOrExit()
const logger = createLogger(config.logLevel, 'taskoverflow-migrate')

try {
  // DATABASE_URL; else the embedded Postgres, joined if `npm start` runs it, started briefly if not.
  const running = config.database.url ?? await findRunningEmbeddedPostgres(config.embedded.dataDir, config.embedded.explicitDataDir)
  const embedded = running ? undefined : await startEmbeddedPostgres({ ...config.embedded, logger })
  const db = createDatabase(createPool({ ...config.database, url: running ?? embedded!.url }, 'taskoverflow-migrate'))
  try {
    const applied = await migrateToLatest(db)
    logger.info({ applied }, applied.length > 0 ? 'migrations applied' : 'database already up to date')
  } finally {
    await db.destroy()
    await embedded?.stop()
  }
} catch (error) {
  logger.fatal({ err: error }, `migration failed: ${(error as Error).message}`)
  process.exitCode = 1
}
