// Baseline for the API throughput benchmark: bare Fastify + pg running the same queries, with
// no logging, no schemas, no query builder. Usage: bare-server.ts <database url> <port>
import Fastify from 'fastify'
import pg from 'pg'

const pool = new pg.Pool({ connectionString: process.argv[2], max: 10 })
const app = Fastify()
app.get('/api/v1/todos', async () => (await pool.query('select * from todos order by id')).rows)
app.get<{ Params: { id: string } }>('/api/v1/todos/:id', async (request, reply) => {
  const { rows } = await pool.query('select * from todos where id = $1', [Number(request.params.id)])
  return rows[0] ?? reply.code(404).send({ error: 'Todo not found' })
})
await app.listen({ host: '127.0.0.1', port: Number(process.argv[3]) })
console.log('bare server ready')
