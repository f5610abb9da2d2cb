import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { commonErrors, errorResponse } from '../http/schemas.ts'
import { HttpError } from '../http/errors.ts'
import { checkQueryIntegers } from '../http/query-integers.ts'
import { toUtcTimestamp } from './deadline.ts'
import { LINK_DESCRIPTION, TodoListQuery, listTodos } from './list.ts'
import { MAX_TODO_ID, getTodo, type TodoPatch } from './repository.ts'
import { Todo, TodoCreate, TodoIdParams, TodoUpdate } from './schemas.ts'

const tags = ['todos']
const notFound = { error: 'Todo not found' }
const notFoundResponse = errorResponse('No todo has this id', notFound.error)
const badId = 'path parameter id must be a positive integer'
const oneTodo = (description: string) => Type.Ref(Todo, { description })

/** A path id that no todo can have (beyond the 32-bit serial) is simply not found. */
const todoId = (raw: string): number | undefined => {
  const id = Number(raw)
  return id >= 1 && id <= MAX_TODO_ID ? id : undefined
}

function withUtcDeadline<T extends TodoPatch> (input: T): T {
  if (input.deadline_at === undefined || input.deadline_at === null) return input
  const deadline = toUtcTimestamp(input.deadline_at)
  if (deadline === undefined) {
    throw new HttpError(400, `field deadline_at: ${input.deadline_at} is not a real date and time (years 0001-9999)`)
  }
  return { ...input, deadline_at: deadline }
}

export const todoRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/todos', {
    schema: {
      tags,
      summary: 'List todos',
      description: 'All todos in ascending id order, streamed (memory stays flat however many there are). ' +
        'Filters combine with AND. With `limit`, one page of them, and a `Link` header to the next.',
      querystring: TodoListQuery,
      response: {
        200: {
          ...Type.Array(Type.Ref(Todo), { description: 'The todos, in ascending id order' }),
          headers: { link: { type: 'string', description: LINK_DESCRIPTION } }
        },
        ...commonErrors('query parameter window must be a whole number of days from 0 to 99999')
      }
    },
    preValidation: checkQueryIntegers
  }, (request, reply) => listTodos(app.db, request.query, request, reply))

  app.get('/todos/:id', {
    schema: {
      tags,
      summary: 'Get one todo',
      params: TodoIdParams,
      response: { 200: oneTodo('The todo'), 404: notFoundResponse, ...commonErrors(badId) }
    }
  }, async (request, reply) => {
    const id = todoId(request.params.id)
    const todo = id === undefined ? undefined : await getTodo(app.db, id)
    return todo ?? reply.code(404).send(notFound)
  })

  app.post('/todos', {
    schema: {
      tags,
      summary: 'Create a todo',
      description: 'Only title, description, completed and deadline_at may be sent; title is required.',
      body: TodoCreate,
      response: { 201: oneTodo('The new todo'), ...commonErrors('field title is required') }
    }
  }, async (request, reply) => {
    const todo = await app.todoWriter.create(withUtcDeadline(request.body))
    return reply.code(201).send(todo)
  })

  app.put('/todos/:id', {
    schema: {
      tags,
      summary: 'Update a todo',
      description: 'Partial update: fields left out keep their values. The same fields as POST; id and the timestamps cannot be sent.',
      params: TodoIdParams,
      body: TodoUpdate,
      response: { 200: oneTodo('The updated todo'), 404: notFoundResponse, ...commonErrors("unknown field 'id'") }
    }
  }, async (request, reply) => {
    const id = todoId(request.params.id)
    const todo = id === undefined ? undefined : await app.todoWriter.update(id, withUtcDeadline(request.body))
    return todo ?? reply.code(404).send(notFound)
  })

  app.delete('/todos/:id', {
    schema: {
      tags,
      summary: 'Delete a todo',
      description: 'Answers with the deleted todo, or with {} when there was no such todo (deleting is idempotent).',
      params: TodoIdParams,
      response: {
        200: Type.Union([Type.Ref(Todo), Type.Object({}, { additionalProperties: false })], { description: 'The deleted todo, or {} when there was none' }),
        ...commonErrors(badId)
      }
    }
  }, async (request) => {
    const id = todoId(request.params.id)
    return (id === undefined ? undefined : await app.todoWriter.delete(id)) ?? {}
  })
}
