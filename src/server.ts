// Entry point of the API: configuration -> database (chosen, migrated) -> app -> listen, and a
// graceful stop.
import closeWithGrace from 'close-with-grace'
import { buildApp, type App } from './app.ts'
import { loadConfigOrExit } from './config.ts'
import { createLogger } from './logger.ts'
import { openDatabase, type OpenedDatabase } from './startup.ts'

const config = loadConfigOrExit()
const logger = createLogger(config.logLevel)

let database: OpenedDatabase | undefined
let app: App | undefined
const stop = async () => {
  await app?.close()
  await database?.embedded?.stop()
}

try {
  database = await openDatabase(config, logger, { embedded: 'own' })
  app = await buildApp(database.config, { logger })
  // The delay outlasts the worker's own grace period and the embedded Postgres's stop, so
  // active jobs finish first and nothing is left running.
  closeWithGrace({ delay: config.worker.shutdownTimeoutMs + 20_000, logger }, async ({ signal, err }) => {
    if (err) logger.error({ err }, 'unexpected error: shutting down')
    else logger.info({ signal }, 'shutting down: finishing active requests and jobs')
    await stop()
  })
  await app.listen({ host: config.http.host, port: config.http.port })
  logger.info(`TaskOverflow ready: http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${config.http.port}/docs ` +
    `(worker: ${config.worker.mode})`)
} catch (error) {
  logger.fatal({ err: error }, `could not start: ${(error as Error).message}`)
  // Whatever had started (pg-boss, the inline worker, the embedded Postgres) stops with us.
  await stop().catch((err: unknown) => logger.error({ err }, 'could not stop cleanly'))
  process.exit(1)
}
