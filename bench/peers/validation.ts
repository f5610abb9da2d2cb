// The request validation the service's Fastify is built with (src/app.ts createServer), so the
// peers' servers validate exactly as much: no coercion, errors that carry their schema.
import type { FastifyServerOptions } from 'fastify'
import { PATTERN_PROBLEM } from '../../src/http/errors.ts'

export const sameValidation: FastifyServerOptions = {
  ajv: {
    customOptions: {
      coerceTypes: false,
      removeAdditional: false,
      useDefaults: false,
      allErrors: false,
      allowUnionTypes: true,
      keywords: [PATTERN_PROBLEM],
      verbose: true
    }
  }
}
