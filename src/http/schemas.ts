// Schema building blocks shared by every route: the error body and strings that Postgres can
// store exactly as they were sent.
import { Type, type Static, type TSchema, type StringOptions } from '@sinclair/typebox'

export const ErrorResponse = Type.Object(
  { error: Type.String({ description: 'What went wrong, for people' }) },
  { $id: 'Error', additionalProperties: true }
)
/**
 * An error response: the description OpenAPI shows for its status code, and an example of what
 * this route really answers (Swagger UI shows it instead of one example shared by every route).
 */
export const errorResponse = (description: string, example: string) =>
  sharedWithExample(ErrorResponse, description, { error: example })

/**
 * A shared (component) schema as one response, with that response's description and example.
 * Wrapped in allOf: OpenAPI generators drop whatever stands beside a bare $ref.
 */
export const sharedWithExample = <T extends TSchema>(schema: T, description: string, example: Static<T>) =>
  Type.Unsafe<Static<T>>({ allOf: [Type.Ref(schema)], description, examples: [example] })

// A regex says little to a person: a schema with a pattern also says in words what it wants,
// under this keyword, and validation errors say that instead (see formatValidationError).
export const PATTERN_PROBLEM = 'x-pattern-problem'
/** The options of a string schema that must match `regex`; `problem` completes "field x ...". */
export const matching = (regex: string, problem: string) => ({ pattern: regex, [PATTERN_PROBLEM]: problem })

// No NUL (Postgres text cannot hold it) and no unpaired UTF-16 surrogate (it cannot be encoded
// as UTF-8, so it would come back altered). Everything else, emoji included, is kept as sent.
const storableText = matching('^[^\\u0000\\uD800-\\uDFFF]*$', 'must not contain NUL characters or unpaired UTF-16 surrogates')
export const Text = (options: StringOptions = {}) => Type.String({ ...storableText, ...options })

/** `T | null`, as the JSON Schema type list ["t", "null"] (OpenAPI 3.1). */
export const Nullable = <T extends TSchema & { type: string }>(schema: T) =>
  Type.Unsafe<Static<T> | null>({ ...schema, type: [schema.type, 'null'] })

/** Every route may fail with these, given an example of its own bad input; 500 bodies never carry internals. */
export const commonErrors = (badInput: string) => ({
  400: errorResponse('Invalid input; the error says what and where', badInput),
  500: errorResponse('Unexpected server error; the details are in the log under the x-request-id', 'Internal Server Error')
})
