import type { FastifyInstance } from 'fastify'
import { HttpError } from './errors.ts'

/**
 * For routes that take no body: clients often send an empty one with Content-Type:
 * application/json anyway, which Fastify's JSON parser rejects. In the plugin this is called in,
 * an empty JSON body is simply no body; anything else must still be valid JSON.
 */
export function acceptEmptyJsonBody (app: FastifyInstance): void {
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(body as string))
    } catch {
      done(new HttpError(400, 'Request body is not valid JSON'), undefined)
    }
  })
}
