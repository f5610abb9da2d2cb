// The one JSON body parser of every route. Fastify's own decodes the bytes as UTF-8 whatever
// the Content-Type says and replaces malformed sequences with U+FFFD, so a Latin-1 or UTF-16
// body, or a truncated multi-byte character, was stored altered without a word. Here the bytes
// are read raw and decoded strictly: a charset other than UTF-8 is a 415, bytes that are not
// UTF-8 a 400. The JSON itself is then parsed by Fastify's default parser, which keeps its
// refusal of __proto__ and constructor.prototype keys (prototype poisoning).
import type { FastifyInstance, FastifyRequest } from 'fastify'
import { safeParse } from 'fast-content-type-parse'
import { HttpError } from './errors.ts'

// RFC 8259 says JSON exchanged between systems is UTF-8; `utf8` is the common misspelling
// (a WHATWG label of UTF-8), so it is taken too. Compared case-insensitively, quoted or not.
const UTF8_LABELS = new Set(['utf-8', 'utf8'])
// fatal: a malformed sequence throws instead of becoming U+FFFD. A leading UTF-8 BOM is dropped.
const strictUtf8 = new TextDecoder('utf-8', { fatal: true })

/** The problem with a JSON request's Content-Type, if any. */
function contentTypeProblem (header: string | undefined): HttpError | undefined {
  const parsed = safeParse(header ?? '')
  if (parsed.type === '') return new HttpError(400, `Content-Type '${header ?? ''}' is malformed: send application/json`)
  const charset = parsed.parameters.charset
  if (charset !== undefined && !UTF8_LABELS.has(charset.toLowerCase())) {
    return new HttpError(415, `Content-Type charset '${charset}' is not supported: send the JSON body as UTF-8 (charset=utf-8, or no charset)`)
  }
  return undefined
}

export interface JsonBodyOptions {
  /** an empty body is no body (routes that take none), instead of a 400 */
  emptyIsNone?: boolean
}

/**
 * Replace the application/json parser in this plugin context (and its children) with the
 * strict one. Called once at the root for every route, and again by plugins that take an empty
 * body (acceptEmptyJsonBody).
 */
export function useStrictJsonParser (app: FastifyInstance, options: JsonBodyOptions = {}): void {
  const parseJson = app.getDefaultJsonParser('error', 'error')
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    const problem = contentTypeProblem(request.headers['content-type'])
    if (problem) return done(problem, undefined)
    let text: string
    try {
      text = strictUtf8.decode(body)
    } catch {
      return done(new HttpError(400, 'Request body is not valid UTF-8: send JSON encoded as UTF-8'), undefined)
    }
    if (options.emptyIsNone && text.trim() === '') return done(null, undefined)
    parseJson(request, text, done)
  })
}
