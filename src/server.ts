// Entry point of the API: configuration -> port check -> database (chosen, migrated) -> app ->
// listen, and a graceful stop.
import closeWithGrace from 'close-with-grace'
import { buildApp, type App } from './app.ts'
import { loadConfigOrExit } from './config.ts'
import { createLogger } from './logger.ts'
import { assertPortFree } from './ports.ts'
import { openDatabase, type OpenedDatabase } from './startup.ts'

const config = loadConfigOrExit()
const logger = createLogger(config.logLevel)

let database: OpenedDatabase | undefined
let app: App | undefined
const stop = async () => {
  await app?.close()
  await database?.embedded?.stop()
}
// A second Ctrl-C, or a stop that outlasts its delay, exits at once; the embedded Postgres is
// stopped first (fast mode, synchronously), so it is never left running without its owner.
// Jobs still active are handed back by pg-boss's supervision (QUEUE_SUPERVISE_SECONDS).
const stopNow = (why: string) => {
  logger.warn(`${why}: stopping at once`)
  database?.embedded?.stopNow()
}

// Installed first: a Ctrl-C during start-up also stops what has started.
closeWithGrace({
  delay: config.worker.shutdownTimeoutMs + 20_000,
  logger,
  onSecondSignal: (signal) => stopNow(`second ${signal}`),
  onSecondError: () => stopNow('another error while stopping'),
  onTimeout: (delay) => stopNow(`still stopping after ${delay} ms`)
}, async ({ signal, err }) => {
  if (err) logger.error({ err }, 'unexpected error: shutting down')
  else logger.info({ signal }, 'shutting down: finishing active requests and jobs (Ctrl-C again to stop at once)')
  await stop()
})

try {
  await assertPortFree(config.http.host, config.http.port, 'PORT')
  database = await openDatabase(config, logger, { embedded: 'own' })
  app = await buildApp(database.config, { logger })
  await app.listen({ host: config.http.host, port: config.http.port })
  logger.info(`TaskOverflow ready: http://${config.http.host === '0.0.0.0' ? 'localhost' : config.http.host}:${config.http.port}/docs ` +
    `(worker: ${config.worker.mode})`)
} catch (error) {
  logger.fatal({ err: error }, `could not start: ${(error as Error).message}`)
  // Whatever had started (pg-boss, the inline worker, the embedded Postgres) stops with us.
  await stop().catch((err: unknown) => logger.error({ err }, 'could not stop cleanly'))
  process.exit(1)
}
