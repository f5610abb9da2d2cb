// Per-client rate limits (@fastify/rate-limit), registered once for the API with the API's JSON
// error (429, with Retry-After). A route is limited by its config.rateLimit (as the feed URL sets
// it), or by the table handed in here, which puts the limits set in the configuration in one
// place: { 'POST /api/v1/todos/ical': 60 }. Counted per client address (request.ip: the
// X-Forwarded-For address when TRUST_PROXY is on) in each API process's memory, so N API
// processes allow N times the limit in all.
import rateLimit from '@fastify/rate-limit'
import fp from 'fastify-plugin'
import { HttpError } from './errors.ts'
import { errorResponse } from './schemas.ts'

export interface RateLimitOptions {
  /** 'METHOD /full/route/template' -> requests per client and minute; 0: not limited */
  perMinute: Record<string, number>
}

export const rateLimits = fp<RateLimitOptions>(async (app, { perMinute }) => {
  // Before the plugin's own onRoute hook (hooks run in the order added), which reads the config.
  app.addHook('onRoute', (route) => {
    const limit = [route.method].flat().map((method) => perMinute[`${method} ${route.url}`]).find((n) => n !== undefined)
    if (limit !== undefined && route.config?.rateLimit === undefined) {
      route.config = { ...route.config, rateLimit: limit === 0 ? false : { max: limit, timeWindow: 60_000 } }
      // ...and the OpenAPI document says so (the same whatever the configured number).
      const response = route.schema?.response as Record<string, unknown> | undefined
      if (response && !('429' in response)) {
        route.schema = { ...route.schema, response: { ...response, 429: errorResponse('Too many requests from this client in a minute (a configured limit per client address); Retry-After says when to try again', 'Too many requests: at most 60 a minute; retry in 1 minute') } }
      }
    }
  })
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_request, context) => new HttpError(429, `Too many requests: at most ${context.max} a minute; retry in ${context.after}`)
  })
}, { name: 'rate-limits' })
