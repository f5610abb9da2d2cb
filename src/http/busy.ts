// "Busy, try again shortly" is a different answer from "the database cannot be reached": the
// client should retry after a moment, and an operator should add capacity, not page the DBA.
// Two things say it: a request that found every pool connection lent out (src/db/pool-busy.ts),
// and @fastify/under-pressure, which sheds requests before they queue up while the event loop
// lags (a process that lags a second answers everything late anyway).
import underPressure from '@fastify/under-pressure'
import type { FastifyInstance, FastifyReply } from 'fastify'
import fp from 'fastify-plugin'

/** Seconds a busy answer asks the client to wait (Retry-After). */
export const BUSY_RETRY_AFTER_SECONDS = 1
export const BUSY_MESSAGE = 'Service busy: too many requests at once; retry after the Retry-After delay'

/** Sets the busy status and Retry-After on the reply and gives the body to send. */
export function busyAnswer (reply: FastifyReply) {
  reply.code(503).header('retry-after', String(BUSY_RETRY_AFTER_SECONDS))
  return { error: BUSY_MESSAGE, code: 'BUSY' }
}

// Probes and scrapes are answered whatever the load: a lagging process is alive, and its
// metrics are what an operator needs to see the lag.
const NEVER_SHED = /^\/(api\/v1\/health|metrics)(\/|\?|$)/

export const loadShedding = fp<{ maxEventLoopDelayMs: number }>(async (app: FastifyInstance, { maxEventLoopDelayMs }) => {
  if (maxEventLoopDelayMs === 0) return
  await app.register(underPressure, {
    maxEventLoopDelay: maxEventLoopDelayMs,
    retryAfter: BUSY_RETRY_AFTER_SECONDS,
    pressureHandler: (request, reply, type, value) => {
      if (NEVER_SHED.test(request.url)) return undefined // (undefined: let it through)
      request.log.warn({ type, value }, 'shedding load: answered busy')
      // under-pressure sends what the handler returns (its types only know void / Promise<void>)
      return busyAnswer(reply) as unknown as undefined
    }
  })
}, { name: 'load-shedding' })
