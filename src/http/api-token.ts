// The optional API token (API_TOKEN): when set, every request needs `Authorization: Bearer
// <token>`, except the routes below that must stay open to work at all. Unset, the API is open, as
// the course has it. The rule sits in one onRequest hook on the root instance, so a route added
// later is closed by default; an open route must be named here, with the reason.
import { createHash, timingSafeEqual } from 'node:crypto'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

/** Route templates anyone may call, token or not, and why. */
export const OPEN_ROUTES: ReadonlyArray<{ route: RegExp, why: string }> = [
  { route: /^\/api\/v1\/health(\/live)?$/, why: 'health checks (load balancer, ECS, compose, probes) send no header' },
  { route: /^\/docs(\/.*)?$/, why: 'Swagger UI and the OpenAPI document describe the API; its "Authorize" button takes the token for the calls it makes' },
  // Calendar apps poll this URL and cannot send a header; the URL carries the feed's own secret
  // (a 256-bit token, stored hashed), which is the credential. Creating, listing, rotating and
  // revoking feeds stay behind API_TOKEN.
  { route: /^\/api\/v1\/feeds\/:token\.ics$/, why: 'calendar apps poll feed URLs without headers; the URL holds the feed\'s own secret token' }
]

export interface ApiTokenOptions {
  /** undefined: no token, every route open */
  token: string | undefined
  /** the web page's files: the page asks for the token itself, so it must load without one */
  isStaticFile: (request: FastifyRequest) => boolean
}

const UNAUTHORIZED = 'Missing or wrong API token: send the header Authorization: Bearer <token>'

export const apiToken = fp<ApiTokenOptions>(async (app, { token, isStaticFile }) => {
  if (token === undefined) return
  const expected = digest(token)
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url
    if (route !== undefined && OPEN_ROUTES.some((open) => open.route.test(route))) return
    if (route !== undefined && isStaticFile(request)) return
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) return // a CORS preflight never carries credentials
    const presented = bearerToken(request.headers.authorization)
    // Both sides are SHA-256 digests, so the comparison takes the same time whatever the length
    // or content of what was sent (timingSafeEqual needs equal lengths).
    if (presented !== undefined && timingSafeEqual(digest(presented), expected)) return
    return reply.code(401).header('www-authenticate', 'Bearer realm="taskoverflow"').send({ error: UNAUTHORIZED })
  })
}, { name: 'api-token' })

function digest (value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest()
}

function bearerToken (header: string | undefined): string | undefined {
  const match = /^Bearer +(\S+) *$/i.exec(header ?? '')
  return match?.[1]
}
