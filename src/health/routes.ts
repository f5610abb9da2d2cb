import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { PoolBusyError } from '../db/pool-busy.ts'
import { busyAnswer } from '../http/busy.ts'
import { errorResponse } from '../http/schemas.ts'
import { DATABASE_PROBE_TIMEOUT_MS, probeDatabase } from './database-probe.ts'

// Two questions, two routes. Liveness (/health/live): is this process serving HTTP at all?
// Nothing but a restart helps when it is not, so the load balancer's target group and the ECS
// container health check ask this one. Readiness (/health): can it do useful work, i.e. does
// the database answer? During a database outage every task would fail it at once, and an
// orchestrator that restarts or drains on it would kill every API task for nothing (the
// database's return would not bring them back any sooner); people, dashboards and compose's
// start-up ordering ask this one.
export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health/live', {
    schema: {
      tags: ['health'],
      summary: 'Liveness: the process serves HTTP',
      description: 'Always 200 while the process runs; it does not touch the database. The load balancer and the ECS container health check use it, so a database outage does not get healthy API tasks replaced.',
      response: {
        200: Type.Object({ status: Type.Literal('ok') }, { description: 'The process is up', examples: [{ status: 'ok' }] })
      }
    }
  }, async () => ({ status: 'ok' as const }))

  app.get('/health', {
    schema: {
      tags: ['health'],
      summary: 'Readiness: the database answers',
      description: `200 when the database answers within ${DATABASE_PROBE_TIMEOUT_MS / 1000} s, 503 otherwise, or 503 with code BUSY and Retry-After while every database connection of this process is in use (compose waits on it before it calls the API healthy; for liveness use /health/live).`,
      response: {
        200: Type.Object({ status: Type.Literal('ok') }, { description: 'Up, and the database answers', examples: [{ status: 'ok' }] }),
        503: errorResponse('The database does not answer', 'Database unavailable')
      }
    }
  }, async (request, reply) => {
    try {
      await probeDatabase(app.db)
      return { status: 'ok' as const }
    } catch (err) {
      // Every connection lent to requests: the database answers, this process is just full.
      // Not ready for more, but say so as busy, not as a database fault.
      if (err instanceof PoolBusyError) return reply.send(busyAnswer(reply))
      request.log.warn({ err }, 'health check: database did not answer')
      return reply.code(503).send({ error: 'Database unavailable' })
    }
  })
}
