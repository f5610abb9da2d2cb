// buildApp(config): the whole service as a Fastify instance that never listens by itself.
// Entry points listen; tests call app.inject.
import Fastify, { LogController, type FastifyReply, type FastifyRequest } from 'fastify'
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Config, ReadyConfig } from './config.ts'
import { inlineWorkerPlugin } from './calendar/worker-plugin.ts'
import { databasePlugin } from './db/plugin.ts'
import { httpApi } from './http/api.ts'
import { formatValidationError } from './http/errors.ts'
import type { Logger } from './logger.ts'
import { queuePlugin } from './queue/plugin.ts'

/** One log line per request, when it completes, instead of Fastify's two: half the logging cost. */
class OneLinePerRequest extends LogController {
  override incomingRequest (): void {}
  override requestCompleted (error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    const line = { method: request.method, url: request.url, statusCode: reply.statusCode, ms: Math.round(reply.elapsedTime * 100) / 100 }
    if (error) request.log.error({ ...line, err: error }, 'request errored')
    else request.log.info(line, 'request')
  }
}

export function createServer (config: Config, logger?: Logger) {
  return Fastify({
    ...(logger ? { loggerInstance: logger } : { logger: { level: config.logLevel } }),
    requestIdHeader: 'x-request-id',
    logController: new OneLinePerRequest(),
    trustProxy: config.http.trustProxy,
    ajv: {
      customOptions: {
        // Input is taken as sent: no type coercion ("5" is not 5), no silently dropped unknown
        // fields (they are a 400), no defaults filled in (a partial PUT must not reset fields
        // it left out; the database owns the defaults), first problem reported.
        coerceTypes: false,
        removeAdditional: false,
        useDefaults: false,
        allErrors: false,
        allowUnionTypes: true
      }
    },
    schemaErrorFormatter: formatValidationError
  }).withTypeProvider<TypeBoxTypeProvider>()
}

export type App = ReturnType<typeof createServer>

export async function buildApp (config: ReadyConfig, options: { logger?: Logger } = {}): Promise<App> {
  const app = createServer(config, options.logger)
  await app.register(databasePlugin, config)
  await app.register(queuePlugin, config)
  if (config.worker.mode === 'inline') await app.register(inlineWorkerPlugin, config)
  await app.register(httpApi, config)
  return app
}
