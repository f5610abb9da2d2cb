// The id every request is logged under and answered with (x-request-id). A client or a proxy
// may send its own, so that one id follows a request across systems; but a header is the
// client's text: unchecked, an 8 KB id was accepted, echoed and written into every log line of
// the request (log bloat, and control characters or markup in the logs). A sent id is kept only
// when it looks like an id; anything else is replaced by a fresh one.
import { randomUUID } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const REQUEST_ID_HEADER = 'x-request-id'
/**
 * 1 to 64 letters, digits, '.', '_', ':' or '-': UUIDs, ULIDs, AWS and Heroku request ids and
 * W3C trace ids fit; spaces, quotes, control characters and anything longer do not.
 */
export const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/

/** Fastify's genReqId: the client's id when it is sane, else a random UUID (unique across processes). */
export function requestIdOf (request: IncomingMessage): string {
  const sent = request.headers[REQUEST_ID_HEADER]
  return typeof sent === 'string' && SANE_REQUEST_ID.test(sent) ? sent : randomUUID()
}
