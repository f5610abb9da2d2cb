// Whole-number query parameters (window, wait) are declared as integers, so that OpenAPI and
// Swagger UI show them as numbers. A query string is text, and this service's Ajv converts
// nothing (src/app.ts): this hook, run before validation, checks the text as sent (digits only,
// no leading zero, within the declared range: no " 5", "05", "0x10", "1e1" or "5.0", which a
// coercing validator would take) and hands validation and the handler the number.
import { Type } from '@sinclair/typebox'
import type { FastifyRequest } from 'fastify'
import { HttpError } from './errors.ts'
import { PATTERN_PROBLEM } from './schemas.ts'

/** An integer query parameter from minimum to maximum, e.g. a number of `days`. */
export function QueryInteger (options: { minimum: number, maximum: number, unit: string, description: string, example: number }) {
  const { minimum, maximum, unit, description, example } = options
  // The sentence a 400 says, under the keyword that pattern-checked strings use for theirs.
  const problem = `must be a whole number of ${unit} from ${minimum} to ${maximum}`
  return Type.Integer({ minimum, maximum, description, examples: [example], [PATTERN_PROBLEM]: problem })
}

type IntegerSchema = { type?: unknown, minimum?: number, maximum?: number, [PATTERN_PROBLEM]?: string }

/** preValidation hook of a route whose querystring has QueryInteger parameters. */
export async function checkQueryIntegers (request: FastifyRequest) {
  const schema = request.routeOptions.schema?.querystring as { properties?: Record<string, IntegerSchema> } | undefined
  const query = request.query as Record<string, unknown>
  for (const [name, property] of Object.entries(schema?.properties ?? {})) {
    if (property.type !== 'integer' || query[name] === undefined) continue
    const text = query[name]
    const value = Number(text)
    const plain = typeof text === 'string' && /^(0|[1-9][0-9]*)$/.test(text)
    if (!plain || value < (property.minimum ?? -Infinity) || value > (property.maximum ?? Infinity)) {
      throw new HttpError(400, `query parameter ${name} ${property[PATTERN_PROBLEM] ?? 'must be a whole number'}`)
    }
    query[name] = value
  }
}
