// GET /metrics on the API: HTTP request durations, Node's process metrics, the job metrics this
// process observes (job-metrics.ts) and the queue gauges read from the database at scrape time
// (queue-gauges.ts). Registered first, so the queue and the inline worker can count into it.
import fp from 'fastify-plugin'
import type { Registry } from 'prom-client'
import { observeHttpRequests } from './http-metrics.ts'
import { JobMetrics } from './job-metrics.ts'
import { registerQueueGauges } from './queue-gauges.ts'
import { createMetricsRegistry, metricsRoute } from './registry.ts'

declare module 'fastify' {
  interface FastifyInstance {
    metrics: { registry: Registry, jobs: JobMetrics }
  }
}

export interface MetricsPluginOptions {
  /** the queues whose tasks are counted by state at scrape time */
  queues: string[]
}

export const metricsPlugin = fp<MetricsPluginOptions>(async (app, { queues }) => {
  const registry = createMetricsRegistry()
  const jobs = new JobMetrics(registry)
  for (const queue of queues) jobs.declareQueue(queue)
  registerQueueGauges(registry, {
    // Read when scraped: the database plugin is registered after this one.
    db: () => app.hasDecorator('db') ? app.db : undefined,
    queues,
    logger: app.log
  })
  observeHttpRequests(app, registry)
  metricsRoute(app, registry)
  app.decorate('metrics', { registry, jobs })
}, { name: 'metrics' })
