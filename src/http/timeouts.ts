// Bounds on how long a client may take to send its request. Fastify sets none by default
// (requestTimeout 0), so a client announcing `Content-Length: 100` and sending 4 bytes held its
// socket, and the request's memory, for good. Two limits:
// - the body: once the headers are in, the body must arrive within HTTP_BODY_TIMEOUT_MS; if not,
//   the request is answered 408 with the usual JSON error and the connection is closed;
// - the whole request (headers included): Node's own requestTimeout, HTTP_REQUEST_TIMEOUT_MS,
//   the backstop for a client that never finishes its headers (Node answers a bare 408 and
//   closes). Neither limits how long a response may take: `?wait=` and SSE are unaffected.
import { PassThrough, type Readable } from 'node:stream'
import type { ServerOptions } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { HttpError } from './errors.ts'

/** Node checks request deadlines this often (its default, 30 s, would let one run 30 s late). */
const CHECK_INTERVAL_MS = 1000

export function serverTimeouts ({ requestTimeoutMs }: { requestTimeoutMs: number }): { requestTimeout: number, http: ServerOptions } {
  return {
    requestTimeout: requestTimeoutMs,
    http: {
      requestTimeout: requestTimeoutMs,
      // Node refuses a headers timeout above the request timeout; 60 s is its default.
      headersTimeout: requestTimeoutMs === 0 ? 60_000 : Math.min(requestTimeoutMs, 60_000),
      connectionsCheckingInterval: requestTimeoutMs === 0 ? 30_000 : Math.min(CHECK_INTERVAL_MS, requestTimeoutMs)
    }
  }
}

const hasBody = (request: FastifyRequest) =>
  request.headers['transfer-encoding'] !== undefined || (request.headers['content-length'] ?? '0') !== '0'

/** preParsing hook: the body must be in within `ms`, or the request fails with a 408. */
export function bodyTimeout (ms: number) {
  return async function (request: FastifyRequest, reply: FastifyReply, payload: Readable): Promise<Readable> {
    // Fastify reads no body for GET and HEAD: nothing to time.
    if (ms === 0 || !hasBody(request) || request.method === 'GET' || request.method === 'HEAD') return payload
    const timed = new PassThrough()
    // The body parser listens for this stream's errors, but on some paths nothing reads the body
    // at all (no parser for its Content-Type: 415; too large: 413): an error with no listener
    // there would be an uncaught exception that ends the process. The parser, when it reads,
    // still gets the error through its own listener.
    timed.on('error', () => {})
    const timer = setTimeout(() => {
      timed.destroy(new HttpError(408, `Request body not received within ${ms} ms: send the whole body promptly`))
    }, ms)
    const stop = () => clearTimeout(timer)
    payload.once('end', stop)
    timed.once('close', stop)
    // Answered already (415, 413, or an error): no 408 can follow; Node's request timeout still
    // bounds a client that keeps the connection open without sending the rest.
    reply.raw.once('close', stop)
    // A client that goes away mid-body: the same error the parser would have seen.
    payload.once('error', (error) => timed.destroy(error))
    payload.pipe(timed)
    return timed
  }
}

/** The body timeout on every route of the app. */
export const bodyTimeoutPlugin = fp<{ bodyTimeoutMs: number }>(async (app, { bodyTimeoutMs }) => {
  app.addHook('preParsing', bodyTimeout(bodyTimeoutMs))
}, { name: 'body-timeout' })
