// The event feed under load: 200 streams open on one process while calendar jobs and todo
// changes flow. Every stream gets every event, exactly once, over one LISTEN connection.
// (Memory and delivery latency are measured in bench/sse-fanout.ts, not asserted here.)
import http from 'node:http'
import t from 'tap'
import { sql } from 'kysely'
import { buildTestApp } from './helpers/app.ts'
import { openSse } from './helpers/sse.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'

const STREAMS = 200
const JOBS = 30
const TODOS = 20

const { app } = await buildTestApp(t)
await app.listen({ port: 0, host: '127.0.0.1' })
const url = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1/events`
const agent = new http.Agent({ keepAlive: false, maxSockets: Infinity })
t.teardown(() => agent.destroy())

t.test(`${STREAMS} streams, ${JOBS} jobs and ${TODOS} todo changes: every stream gets every event once`, async (t) => {
  const clients = await Promise.all(Array.from({ length: STREAMS }, () => openSse(url, {}, agent)))
  t.teardown(() => { for (const c of clients) c.close() })
  const readies = await Promise.all(clients.map((c) => c.waitFor((e) => e.event === 'ready')))
  const start = Math.min(...readies.map((r) => r.data.seq))
  t.equal(app.events.subscribers, STREAMS, 'every stream is subscribed to the one hub')

  // Jobs and todo changes at the same time, as users would make them.
  const [ids] = await Promise.all([
    Promise.all(Array.from({ length: JOBS }, (_, i) => createTask(app, i % 2 ? '?completed=false' : '').then((r) => r.task_id))),
    Promise.all(Array.from({ length: TODOS }, (_, i) => app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: `todo ${i}` } })))
  ])
  await Promise.all(ids.map((id) => waitForStatus(app, id, 'SUCCESS')))

  const { rows } = await sql<{ seq: string }>`
    select seq from task_events where seq > ${start} union all select seq from todo_events where seq > ${start} order by seq`.execute(app.db)
  const expected = rows.map((r) => Number(r.seq))
  t.equal(expected.length, JOBS * 3 + TODOS, 'PENDING, STARTED and SUCCESS per job, one event per todo insert')
  const last = Math.max(...expected)
  await Promise.all(clients.map((c) => c.waitFor((e) => e.data.seq === last, 30_000, `event ${last}`)))
  let complete = 0
  for (const client of clients) {
    const seqs = client.events.filter((e) => e.event === 'task' || e.event === 'todo').map((e) => e.data.seq).sort((a: number, b: number) => a - b)
    if (JSON.stringify(seqs) === JSON.stringify(expected)) complete++
  }
  t.equal(complete, STREAMS, 'every stream received exactly the events in the tables')
  const { rows: connections } = await sql<{ n: number }>`
    select count(*)::int as n from pg_stat_activity where datname = current_database()`.execute(app.db)
  // Two pools of at most 10, pg-boss's LISTEN connections and the feed's, however many streams.
  t.ok(connections[0]!.n < 40, `${connections[0]!.n} database connections for ${STREAMS} streams`)
})
