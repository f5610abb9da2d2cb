// One prom-client registry per process (never the library's global one: tests build many apps in
// one process), with Node's own process metrics (CPU, memory, event loop lag, GC) in it.
import type { FastifyInstance } from 'fastify'
import { collectDefaultMetrics, Registry } from 'prom-client'

export function createMetricsRegistry (): Registry {
  const registry = new Registry()
  collectDefaultMetrics({ register: registry })
  return registry
}

/**
 * GET /metrics in Prometheus's text format, on any Fastify instance: the API, or the worker's
 * own listener. Left out of the OpenAPI document: it is not part of the JSON API.
 */
// Any Fastify instance: whatever its logger or type provider, only .get() is used.
export function metricsRoute (app: Pick<FastifyInstance<any, any, any, any, any>, 'get'>, registry: Registry): void {
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    const text = await registry.metrics()
    return reply.type(registry.contentType).send(text)
  })
}
