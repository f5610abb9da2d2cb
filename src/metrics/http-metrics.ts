// Request durations per route template (never the raw URL: ids stay out of labels), method and
// status code.
import type { FastifyInstance } from 'fastify'
import { Histogram, type Registry } from 'prom-client'

export function observeHttpRequests (app: FastifyInstance, registry: Registry): void {
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests by route template, method and status code',
    labelNames: ['method', 'route', 'status_code'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [registry]
  })
  app.addHook('onResponse', async (request, reply) => {
    // Requests that matched no route share one label value, whatever their URL.
    const route = request.routeOptions.url ?? 'unmatched'
    duration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000)
  })
}
