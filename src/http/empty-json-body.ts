import type { FastifyInstance } from 'fastify'
import { useStrictJsonParser } from './json-body.ts'

/**
 * For routes that take no body: clients often send an empty one with Content-Type:
 * application/json anyway, which the JSON parser rejects. In the plugin this is called in, an
 * empty JSON body is simply no body; anything else must still be valid JSON, in UTF-8, checked
 * as strictly as everywhere else (http/json-body.ts).
 */
export function acceptEmptyJsonBody (app: FastifyInstance): void {
  useStrictJsonParser(app, { emptyIsNone: true })
}
