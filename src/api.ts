// The HTTP surface: OpenAPI document and Swagger UI, the error policy, and every route under
// /api/v1. It needs no database to be registered (handlers reach app.db and the task service only
// when called), which is how scripts/openapi.ts writes openapi.yaml without one.
import swagger from '@fastify/swagger'
import swaggerUi from '@fastify/swagger-ui'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from './config.ts'
import { calendarRoutes } from './calendar/routes.ts'
import { taskMonitorRoutes } from './calendar/task-monitor-routes.ts'
import { TaskCounts, TaskPage, TaskSummary, Timeline } from './calendar/task-list-schemas.ts'
import { eventRoutes } from './events/routes.ts'
import { PollResponse } from './events/schemas.ts'
import { TaskCreated, TaskError, TaskStatusBody } from './calendar/schemas.ts'
import { feedRoutes } from './feeds/routes.ts'
import { Feed, FeedWithToken } from './feeds/schemas.ts'
import { healthRoutes } from './health/routes.ts'
import { apiToken } from './http/api-token.ts'
import { corsPolicy } from './http/cors.ts'
import { errorHandler, notFoundHandler } from './http/errors.ts'
import { useStrictJsonParser } from './http/json-body.ts'
import { publicUrls } from './http/public-url.ts'
import { REQUEST_ID_HEADER } from './http/request-id.ts'
import { rateLimits } from './http/rate-limit.ts'
import { securityHeaders } from './http/security-headers.ts'
import { ErrorResponse } from './http/schemas.ts'
import { todoRoutes } from './todos/routes.ts'
import { Todo } from './todos/schemas.ts'
import { isWebPageFile, webPage } from './web/plugin.ts'

export const API_PREFIX = '/api/v1'
export const API_VERSION = '1.0.0'

const API_TOKEN_SCHEME = {
  type: 'http' as const,
  scheme: 'bearer',
  description: 'Needed only when the server runs with API_TOKEN set (then a 401 without it). Open either way: /api/v1/health, ' +
    '/api/v1/health/live, /docs, the web page at /, and feed URLs (GET /api/v1/feeds/{token}.ics, whose token is their own secret).'
}

export const httpApi = fp<Config>(async (app: FastifyInstance, config) => {
  for (const schema of [ErrorResponse, Todo, TaskCreated, TaskStatusBody, TaskError, Feed, FeedWithToken]) app.addSchema(schema)
  for (const schema of [TaskSummary, TaskPage, TaskCounts, Timeline, PollResponse]) app.addSchema(schema)
  // On the root instance: they cover every route, /metrics and the not-found answer included.
  await app.register(securityHeaders)
  await app.register(corsPolicy, { origins: config.security.corsOrigins })
  await app.register(apiToken, { token: config.security.apiToken, isStaticFile: isWebPageFile })

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'TaskOverflow API',
        version: API_VERSION,
        description: 'Todos, and calendars of them built asynchronously on a job queue that lives in Postgres (pg-boss).'
      },
      tags: [
        { name: 'health', description: 'Is the service up' },
        { name: 'todos', description: 'Create, read, update and delete todos' },
        { name: 'calendar', description: 'Calendar (iCalendar) jobs: queue, follow, download, cancel, retry, list, timeline' },
        { name: 'feeds', description: 'Calendar subscription feeds (webcal://) that calendar apps poll, always fresh' },
        { name: 'events', description: 'Live changes of tasks and todos: Server-Sent Events, or a long poll' }
      ],
      components: { securitySchemes: { apiToken: API_TOKEN_SCHEME } },
      // Either the token or nothing: the token is needed only where the server sets API_TOKEN.
      security: [{ apiToken: [] }, {}]
    },
    // Name shared schemas after their $id: components/schemas/Todo rather than def-1.
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => String(json.$id ?? `def-${i}`) }
  })
  await app.register(swaggerUi, { routePrefix: '/docs' })

  // Every body this API takes is JSON: a text/plain body gets the same clear 400 as any other type.
  app.removeContentTypeParser('text/plain')
  useStrictJsonParser(app) // UTF-8 only: a 415 for another charset, a 400 for malformed bytes
  // The id pino logs the request under, so a client's report can be found in the logs.
  app.addHook('onRequest', async (request, reply) => { reply.header(REQUEST_ID_HEADER, request.id) })
  app.setErrorHandler(errorHandler)
  app.setNotFoundHandler(notFoundHandler)
  await app.register(publicUrls, config.http) // app.absoluteUrl: PUBLIC_URL, or a checked Host
  await app.register(webPage) // the page at /

  await app.register(async (api) => {
    await api.register(rateLimits, { perMinute: { [`POST ${API_PREFIX}/todos/ical`]: config.security.icalRateLimitPerMinute } })
    await api.register(healthRoutes)
    await api.register(todoRoutes)
    await api.register(calendarRoutes)
    await api.register(feedRoutes, { refreshSeconds: config.feeds.refreshSeconds, rateLimitPerMinute: config.feeds.rateLimitPerMinute })
    await api.register(taskMonitorRoutes)
    await api.register(eventRoutes)
  }, { prefix: API_PREFIX })
}, { name: 'http-api' })
