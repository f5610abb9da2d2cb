// One error policy for every route: clear 4xx messages for bad input, JSON bodies always, and
// 5xx details in the log (with the request id) rather than in the response.
import type { FastifyError, FastifyReply, FastifyRequest, FastifySchemaValidationError } from 'fastify'
import { PoolBusyError } from '../db/pool-busy.ts'
import { isDatabaseUnavailable } from '../db/unavailable.ts'
import { busyAnswer } from './busy.ts'
import { PATTERN_PROBLEM } from './schemas.ts'

export { PATTERN_PROBLEM }

/** An error whose message is safe and useful to show the client. */
export class HttpError extends Error {
  readonly statusCode: number
  constructor (statusCode: number, message: string) {
    super(message)
    this.statusCode = statusCode
  }
}

/** Fastify's schemaErrorFormatter: one readable sentence for the first problem found. */
export function formatValidationError (errors: FastifySchemaValidationError[], dataVar: string): Error {
  const [first] = errors
  return new Error(first ? describe(first, dataVar) : `Invalid ${dataVar}`)
}

function describe (error: FastifySchemaValidationError, dataVar: string): string {
  const field = error.instancePath.split('/').filter(Boolean).join('.')
  const where = dataVar === 'querystring' ? 'query parameter' : dataVar === 'params' ? 'path parameter' : 'field'
  const subject = field === '' ? (dataVar === 'body' ? 'request body' : dataVar) : `${where} ${field}`
  const params = error.params as Record<string, unknown>
  switch (error.keyword) {
    case 'additionalProperties':
      return `unknown ${where} '${String(params.additionalProperty)}'`
    case 'required':
      return `${where} ${[field, params.missingProperty].filter(Boolean).join('.')} is required`
    case 'type':
      return `${subject} must be ${field === '' && dataVar === 'body' ? 'a JSON object' : `of type ${String(params.type).replace(',', ' or ')}`}`
    case 'maxLength':
      return `${subject} must be at most ${String(params.limit)} characters`
    case 'minLength':
      return Number(params.limit) === 1 ? `${subject} must not be empty` : `${subject} must be at least ${String(params.limit)} characters`
    case 'enum':
      return `${subject} must be one of: ${(params.allowedValues as unknown[]).join(', ')}`
    case 'pattern': {
      const problem = (error as { parentSchema?: Record<string, unknown> }).parentSchema?.[PATTERN_PROBLEM]
      return `${subject} ${typeof problem === 'string' ? problem : `must match ${String(params.pattern)}`}`
    }
    default:
      return `${subject} ${error.message ?? 'is invalid'}`
  }
}

// Fastify's own 4xx errors, reworded; a non-JSON Content-Type is a 400 like any other bad input.
const FASTIFY_CLIENT_ERRORS: Record<string, [number, (e: FastifyError, r: FastifyRequest) => string]> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [400, (_, r) => `Content-Type '${r.headers['content-type'] ?? ''}' is not supported: send application/json`],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, () => 'Request body is empty but Content-Type is application/json'],
  // Fastify's parser also refuses a __proto__ or constructor.prototype key (prototype poisoning).
  FST_ERR_CTP_INVALID_JSON_BODY: [400, () => 'Request body is not valid JSON (or holds a forbidden __proto__ or constructor.prototype key)'],
  FST_ERR_CTP_BODY_TOO_LARGE: [413, () => 'Request body is too large']
}

export function errorHandler (error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (error instanceof HttpError) {
    return reply.code(error.statusCode).send({ error: error.message })
  }
  if (error.validation) {
    return reply.code(400).send({ error: error.message })
  }
  const known = FASTIFY_CLIENT_ERRORS[error.code]
  if (known) {
    return reply.code(known[0]).send({ error: known[1](error, request) })
  }
  // Defence in depth: a value Postgres rejects (class 22: data exception, 23: integrity
  // violation) is the client's input, not a server fault. Validation should catch it first.
  const sqlState = (error as { code?: unknown }).code
  if (typeof sqlState === 'string' && /^2[23][0-9A-Z]{3}$/.test(sqlState)) {
    request.log.warn({ err: error }, 'database rejected a value that passed validation')
    return reply.code(400).send({ error: `Invalid value: ${error.message}` })
  }
  if (error instanceof PoolBusyError) {
    request.log.warn({ err: error }, 'busy: no database connection free')
    return reply.send(busyAnswer(reply))
  }
  // Fastify marks what went wrong on the client's side (a body cut off, a socket reset mid-body:
  // ECONNRESET, like a lost database) with a 4xx: never a database fault.
  const clientStatus = error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : undefined
  if (clientStatus !== undefined && request.raw.destroyed) {
    request.log.info({ code: error.code, reason: error.message }, 'client closed the connection before its request was read')
    return reply.code(clientStatus).send({ error: error.message })
  }
  if (clientStatus === undefined && isDatabaseUnavailable(error)) {
    request.log.error({ err: error }, 'database unavailable')
    return reply.code(503).send({ error: 'Service unavailable: the database cannot be reached' })
  }
  const status = error.statusCode ?? 500
  if (status >= 400 && status < 500) {
    return reply.code(status).send({ error: error.message })
  }
  request.log.error({ err: error }, 'request failed')
  return reply.code(status >= 500 && status < 600 ? status : 500).send({ error: 'Internal Server Error' })
}

export function notFoundHandler (request: FastifyRequest, reply: FastifyReply) {
  return reply.code(404).send({ error: `Route ${request.method} ${request.url.split('?')[0]} not found` })
}
