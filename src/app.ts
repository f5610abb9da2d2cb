// buildApp(config): the whole service as a Fastify instance that never listens by itself.
// Entry points listen; tests call app.inject. The job path reads top to bottom: the database,
// the queue, the features (todos, calendar tasks and feeds, with their inline workers), then
// the HTTP API.
import Fastify, { type FastifyServerOptions } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import { httpApi } from './api.ts'
import { calendarPlugin } from './calendar/plugin.ts'
import { ICAL_SETTLED_CHANNEL, calendarQueues } from './calendar/queue.ts'
import type { Config, ReadyConfig } from './config.ts'
import { databasePlugin } from './db/plugin.ts'
import { feedsPlugin } from './feeds/plugin.ts'
import { feedQueues } from './feeds/queue.ts'
import { eventsPlugin } from './events/plugin.ts'
import { formatValidationError, PATTERN_PROBLEM } from './http/errors.ts'
import { loadShedding } from './http/busy.ts'
import { OneLinePerRequest } from './http/request-log.ts'
import { requestIdOf } from './http/request-id.ts'
import { bodyTimeoutPlugin, serverTimeouts } from './http/timeouts.ts'
import { loggerSafety, type Logger } from './logger.ts'
import { metricsPlugin } from './metrics/plugin.ts'
import { queuePlugin } from './queue/plugin.ts'
import { recoveryPlugin } from './queue/recovery-plugin.ts'
import { todosPlugin } from './todos/plugin.ts'

// How request input is validated; also used by the benchmark's peers (bench/peers/), so they
// validate exactly as much.
export const requestValidation = {
  customOptions: {
    // Input is taken as sent: no type coercion ("5" is not 5), no silently dropped unknown
    // fields (they are a 400), no defaults filled in (a partial PUT must not reset fields
    // it left out; the database owns the defaults), first problem reported.
    coerceTypes: false,
    removeAdditional: false,
    useDefaults: false,
    allErrors: false,
    allowUnionTypes: true,
    // A pattern's schema says in words what it wants (see http/schemas.ts); errors carry
    // their schema (verbose) so the message can say it.
    keywords: [PATTERN_PROBLEM],
    verbose: true
  }
} satisfies FastifyServerOptions['ajv']

export function createServer (config: Config, logger?: Logger) {
  return Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: { level: config.logLevel, ...loggerSafety } }),
    // x-request-id is read by genReqId, which keeps a sane id only (http/request-id.ts).
    requestIdHeader: false,
    genReqId: requestIdOf,
    logController: new OneLinePerRequest(),
    trustProxy: config.http.trustProxy,
    ...serverTimeouts(config.http),
    ajv: requestValidation,
    schemaErrorFormatter: formatValidationError
  }).withTypeProvider<TypeBoxTypeProvider>()
}

export type App = ReturnType<typeof createServer>

/** The app on a chosen, migrated database (src/startup.ts). */
export async function buildApp (config: ReadyConfig, options: { logger?: Logger } = {}): Promise<App> {
  const app = createServer(config, options.logger)
  try {
    await app.register(loadShedding, config.http)
    await app.register(bodyTimeoutPlugin, config.http)
    await app.register(metricsPlugin, { queues: [...calendarQueues(config), ...feedQueues(config.queue.listenNotify)].map((q) => q.name) })
    await app.register(databasePlugin, config)
    // Before the queue, so the liveness session closes after pg-boss has stopped its jobs.
    await app.register(recoveryPlugin, config)
    await app.register(queuePlugin, { config, queues: [...calendarQueues(config), ...feedQueues(config.queue.listenNotify)], settledChannel: ICAL_SETTLED_CHANNEL })
    await app.register(todosPlugin)
    await app.register(eventsPlugin)
    await app.register(calendarPlugin, config)
    await app.register(feedsPlugin, config)
    await app.register(httpApi, config)
  } catch (error) {
    // What had started (the pool, the liveness session) closes with the plugins that opened it:
    // left open, it kept the caller's process alive after the failure (CI's pgbouncer test hung).
    await app.close().catch((err: unknown) => app.log.error({ err }, 'could not close what had started'))
    throw error
  }
  return app
}
