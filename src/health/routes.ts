import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { sql } from 'kysely'
import { errorResponse } from '../http/schemas.ts'

const HEALTH_TIMEOUT_MS = 2000

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/health', {
    schema: {
      tags: ['health'],
      summary: 'Liveness and database reachability',
      description: '200 when the database answers within 2 s, 503 otherwise (load balancers and container health checks use it).',
      response: {
        200: Type.Object({ status: Type.Literal('ok') }, { description: 'Up, and the database answers', examples: [{ status: 'ok' }] }),
        503: errorResponse('The database does not answer', 'Database unavailable')
      }
    }
  }, async (request, reply) => {
    let timer: NodeJS.Timeout | undefined
    try {
      await Promise.race([
        sql`select 1`.execute(app.db),
        new Promise((_resolve, reject) => { timer = setTimeout(() => reject(new Error('timed out')), HEALTH_TIMEOUT_MS) })
      ])
      return { status: 'ok' as const }
    } catch (err) {
      request.log.warn({ err }, 'health check: database did not answer')
      return reply.code(503).send({ error: 'Database unavailable' })
    } finally {
      clearTimeout(timer)
    }
  })
}
