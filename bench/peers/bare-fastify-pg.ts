// The peer of the API throughput benchmark: what GET /todos and GET /todos/{id} are without the
// service around them. Plain Fastify + pg doing the same work: the same statements as the
// service's query builder sends (as text, no kysely), prepared the same way (named statements),
// timestamps read as the same text, the same request validation and the same response schemas
// (so the same serialiser), and the same pool size; no request logging, no plugins, no hooks.
// Usage: bare-fastify-pg.ts <database url> <port>
import Fastify from 'fastify'
import { Type } from '@sinclair/typebox'
import pg from 'pg'
import { TodoFiltersQuery } from '../../src/todos/filters.ts'
import { Todo, TodoIdParams } from '../../src/todos/schemas.ts'
import { sameValidation } from './validation.ts'

const TIMESTAMP_OID = 1114
const types = {
  getTypeParser: (oid: number, format?: 'text' | 'binary') =>
    oid === TIMESTAMP_OID ? (value: string) => value.replace(' ', 'T') : pg.types.getTypeParser(oid, format)
} as pg.CustomTypesConfig
const pool = new pg.Pool({ connectionString: process.argv[2], max: 10, types })

const app = Fastify(sameValidation)
app.addSchema(Todo)
app.get('/api/v1/todos', {
  schema: { querystring: TodoFiltersQuery, response: { 200: Type.Array(Type.Ref(Todo)) } }
}, async () => (await pool.query({ name: 'list_todos', text: 'select * from "todos" order by "id"' })).rows)
app.get<{ Params: { id: string } }>('/api/v1/todos/:id', {
  schema: { params: TodoIdParams, response: { 200: Type.Ref(Todo), 404: Type.Object({ error: Type.String() }) } }
}, async (request, reply) => {
  const { rows } = await pool.query({ name: 'get_todo', text: 'select * from "todos" where "id" = $1', values: [Number(request.params.id)] })
  return rows[0] ?? reply.code(404).send({ error: 'Todo not found' })
})
await app.listen({ host: '127.0.0.1', port: Number(process.argv[3]) })
console.log('bare server ready')
