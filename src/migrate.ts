// Entry point of `npm run migrate`: bring the database schema up to date (pg-boss's, then ours),
// then exit. It joins the embedded Postgres of a running `npm start`, or starts it briefly.
import { loadConfigOrExit } from './config.ts'
import { createLogger } from './logger.ts'
import { openDatabase } from './startup.ts'

const config = loadConfigOrExit()
const logger = createLogger(config.logLevel, 'taskoverflow-migrate')

try {
  const { embedded } = await openDatabase(config, logger, { embedded: 'join-or-own', migrate: true })
  await embedded?.stop()
} catch (error) {
  logger.fatal({ err: error }, `migration failed: ${(error as Error).message}`)
  process.exitCode = 1
}
