// The request validation the service's Fastify is built with (src/app.ts), so the peers' servers
// validate exactly as much: no coercion, errors that carry their schema.
import type { FastifyServerOptions } from 'fastify'
import { requestValidation } from '../../src/app.ts'

export const sameValidation: FastifyServerOptions = { ajv: requestValidation }
