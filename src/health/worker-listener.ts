// The calendar worker's own small HTTP listener (WORKER_HTTP_PORT; off when unset): what a
// container health check asks a process that otherwise serves no HTTP. Docker's HEALTHCHECK
// and the ECS worker task definition call GET /health; Prometheus scrapes GET /metrics, this
// process's own job counters.
import Fastify, { LogController } from 'fastify'
import { Type, type TypeBoxTypeProvider } from '@fastify/type-provider-typebox'
import type { Kysely } from 'kysely'
import type { PgBoss } from 'pg-boss'
import type { Registry } from 'prom-client'
import type { Logger } from '../logger.ts'
import { ICAL_QUEUE } from '../calendar/queue.ts'
import { metricsRoute } from '../metrics/registry.ts'
import { probeDatabase } from './database-probe.ts'

export interface WorkerListenerOptions {
  host: string
  port: number
  /** only `select 1` is asked of it: any schema will do */
  db: Kysely<any>
  boss: PgBoss
  logger: Logger
  /** served at GET /metrics */
  metrics: Registry
}

const WorkerHealth = Type.Object({
  status: Type.Union([Type.Literal('ok'), Type.Literal('unavailable')]),
  database: Type.Union([Type.Literal('up'), Type.Literal('down')]),
  last_fetch_at: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When a calendar fetch loop last asked the queue for jobs (pg-boss worker data); null before the first'
  }),
  error: Type.Optional(Type.String())
})

/** The latest time any of this process's calendar fetch loops returned from a fetch, or null. */
export function lastCalendarFetch (boss: PgBoss): Date | null {
  const times = boss.getWipData()
    .filter((w) => w.name === ICAL_QUEUE && w.lastFetchedOn !== null)
    .map((w) => w.lastFetchedOn!)
  return times.length > 0 ? new Date(Math.max(...times)) : null
}

export function buildWorkerListener (options: Omit<WorkerListenerOptions, 'host' | 'port'>) {
  // Health checks every few seconds would drown the job logs: requests are not logged.
  const app = Fastify({ loggerInstance: options.logger, logController: new LogController({ disableRequestLogging: true }) }).withTypeProvider<TypeBoxTypeProvider>()
  app.get('/health', { schema: { response: { 200: WorkerHealth, 503: WorkerHealth } } }, async (request, reply) => {
    const lastFetch = lastCalendarFetch(options.boss)?.toISOString() ?? null
    try {
      await probeDatabase(options.db)
      return { status: 'ok' as const, database: 'up' as const, last_fetch_at: lastFetch }
    } catch (err) {
      request.log.warn({ err }, 'worker health check: database did not answer')
      return reply.code(503).send({ status: 'unavailable', database: 'down', last_fetch_at: lastFetch, error: 'Database unavailable' })
    }
  })
  metricsRoute(app, options.metrics)
  return app
}

export type WorkerListener = ReturnType<typeof buildWorkerListener>

/** Listening on host:port; close() it before the pools it asks go away. */
export async function startWorkerListener (options: WorkerListenerOptions): Promise<WorkerListener> {
  const app = buildWorkerListener(options)
  await app.listen({ host: options.host, port: options.port, listenTextResolver: (address) => `worker health listener on ${address}/health` })
  return app
}
