// GET /todos: the whole list streamed (the course's behaviour), or one keyset page of it when
// `limit` is given, with a relative `Link: <...>; rel="next"` (RFC 8288 allows relative
// references; nothing is built from the Host header).
import { Type, type Static } from '@sinclair/typebox'
import type { FastifyReply, FastifyRequest } from 'fastify'
import type { Queryable } from '../db/schema.ts'
import { QueryInteger } from '../http/query-integers.ts'
import { TodoFiltersQuery, parseFilters } from './filters.ts'
import { MAX_TODO_ID, todosPage } from './repository.ts'
import { todoListBody, todoPages } from './stream.ts'

export const MAX_PAGE_LIMIT = 1000

export const TodoListQuery = Type.Object({
  ...TodoFiltersQuery.properties,
  limit: Type.Optional(QueryInteger({
    minimum: 1,
    maximum: MAX_PAGE_LIMIT,
    unit: 'todos',
    description: `Answer one page of at most this many todos (1-${MAX_PAGE_LIMIT}); a Link header with rel="next" gives the next page. Without it: every todo`,
    example: 100
  })),
  after_id: Type.Optional(QueryInteger({
    minimum: 0,
    maximum: MAX_TODO_ID,
    unit: 'ids',
    description: 'Only todos with an id above this one (the keyset of the next page; needs limit)',
    example: 100
  }))
}, { additionalProperties: false })
export type TodoListQuery = Static<typeof TodoListQuery>

export const LINK_DESCRIPTION = 'With limit, when there are more todos: `<relative URL of the next page>; rel="next"`'

export async function listTodos (db: Queryable, query: TodoListQuery, request: FastifyRequest, reply: FastifyReply) {
  const { limit, after_id: afterId } = query
  const filters = parseFilters(query)
  if (limit === undefined) {
    if (afterId !== undefined) return reply.code(400).send({ error: 'query parameter after_id needs limit (after_id pages through the list)' })
    return reply.type('application/json; charset=utf-8').send(await todoListBody(todoPages(db, filters)))
  }
  // One more than asked tells whether a next page exists without an extra query.
  const rows = await todosPage(db, filters, afterId ?? 0, limit + 1)
  const page = rows.slice(0, limit)
  if (rows.length > limit) reply.header('link', `<${nextPageUrl(request, page[page.length - 1]!.id)}>; rel="next"`)
  return page
}

/** The same path and query (filters, limit), with after_id moved on: relative to this request's URL. */
function nextPageUrl (request: FastifyRequest, lastId: number): string {
  const [path = '', search = ''] = request.url.split('?', 2)
  const query = new URLSearchParams(search)
  query.set('after_id', String(lastId))
  return `${path}?${query.toString()}`
}
