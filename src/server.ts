// Entry point of the API: configuration -> database -> app -> listen, and a graceful stop.
import closeWithGrace from 'close-with-grace'
import { buildApp } from './app.ts'
import { ConfigError, loadConfig, withDatabaseUrl } from './config.ts'
import { startOrUseDatabase } from './db/choose.ts'
import { createLogger } from './logger.ts'

let config
try {
  config = loadConfig()
} catch (error) {
  if (!(error instanceof ConfigError)) throw error
  console.error(error.message)
  process.exit(1)
}
const logger = createLogger(config.logLevel)

try {
  const database = await startOrUseDatabase(config, logger)
  const stopDatabase = async () => { await database.embedded?.stop() }
  let app
  try {
    app = await buildApp(withDatabaseUrl(config, database.url), { logger })
  } catch (error) {
    await stopDatabase()
    throw error
  }
  // The delay outlasts the worker's own grace period, so active jobs can finish first.
  closeWithGrace({ delay: config.worker.shutdownTimeoutMs + 10_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'unexpected error: shutting down')
    else logger.info({ signal }, 'shutting down: finishing active requests and jobs')
    await app.close()
    await stopDatabase()
  })
  await app.listen({ host: config.http.host, port: config.http.port })
  logger.info(`TaskOverflow ready: http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${config.http.port}/docs ` +
    `(worker: ${config.worker.mode})`)
} catch (error) {
  logger.fatal({ err: error }, `could not start: ${(error as Error).message}`)
  process.exitCode = 1
}
