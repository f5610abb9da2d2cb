// The change feed: a real HTTP server, real SSE connections. Task and todo changes arrive live;
// a client that reconnects with Last-Event-ID gets what it missed; the long poll answers when
// something happens; the hub catches up when its LISTEN connection is cut.
import t from 'tap'
import { sql } from 'kysely'
import { buildTestApp } from './helpers/app.ts'
import { openSse, type SseClient } from './helpers/sse.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'

const { app } = await buildTestApp(t, { ICAL_DELAY_MS: '100' })
await app.listen({ port: 0, host: '127.0.0.1' })
const base = `http://127.0.0.1:${(app.server.address() as { port: number }).port}/api/v1`

const addTodo = async (title: string) => (await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title } })).json()
const taskStatuses = (client: SseClient, id: string) => client.events.filter((e) => e.event === 'task' && e.data.task_id === id).map((e) => e.data.task_status)
const connect = async (headers: Record<string, string> = {}, query = '') => {
  const client = await openSse(`${base}/events${query}`, headers)
  t.teardown(() => client.close())
  return client
}

t.test('a new client gets ready, then todo and task events with ids, live', async (t) => {
  const client = await connect()
  t.equal(client.status, 200)
  const ready = await client.waitFor((e) => e.event === 'ready')
  t.equal(ready.id, String(ready.data.seq))

  const todo = await addTodo('watch the stream')
  const todoEvent = await client.waitFor((e) => e.event === 'todo')
  t.match(todoEvent.data, { kind: 'todo', op: 'insert', todo_ids: [todo.id], count: 1 })
  t.equal(todoEvent.id, String(todoEvent.data.seq))
  t.ok(todoEvent.data.seq > ready.data.seq)

  const { task_id: id } = await createTask(app)
  await client.waitFor((e) => e.event === 'task' && e.data.task_id === id && e.data.task_status === 'SUCCESS')
  t.same(taskStatuses(client, id), ['PENDING', 'STARTED', 'SUCCESS'])
  const ids = client.events.map((e) => Number(e.id))
  t.same(ids, [...ids].sort((a, b) => a - b), 'ids increase')
})

t.test('Last-Event-ID: a client that reconnects gets what happened while it was away', async (t) => {
  const first = await connect()
  await first.waitFor((e) => e.event === 'ready')
  await addTodo('before the drop')
  const last = await first.waitFor((e) => e.event === 'todo')
  first.close()
  await first.closed

  const missedTodo = await addTodo('while away')
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'SUCCESS')

  for (const [how, again] of [['header', await connect({ 'last-event-id': last.id! })], ['query', await connect({}, `?last_event_id=${last.id}`)]] as const) {
    await again.waitFor((e) => e.event === 'task' && e.data.task_id === id && e.data.task_status === 'SUCCESS', 10_000, `the missed SUCCESS (${how})`)
    t.ok(again.events.some((e) => e.event === 'todo' && e.data.todo_ids.includes(missedTodo.id)), `the missed todo (${how})`)
    t.same(taskStatuses(again, id), ['PENDING', 'STARTED', 'SUCCESS'], `every missed task change once (${how})`)
    t.notOk(again.events.some((e) => e.event === 'ready'), 'no ready: it resumed')
  }
})

t.test('bad Last-Event-ID is a 400 with a JSON error', async (t) => {
  for (const [headers, query] of [[{ 'last-event-id': 'abc' }, ''], [{}, '?last_event_id=-1']] as const) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/events${query}`, headers })
    t.equal(res.statusCode, 400)
    t.match(res.json(), { error: /event id/ })
  }
})

t.test('long poll: answers as soon as an event comes, with last_seq to continue from', async (t) => {
  const now = (await app.inject({ method: 'GET', url: '/api/v1/events/poll?after=999999999' })).json()
  t.same(now, { events: [], last_seq: 999999999, reset: false }, 'wait=0 answers at once')
  const start: any = await (await fetch(`${base}/events/poll`)).json()
  const pending: Promise<any> = fetch(`${base}/events/poll?after=${start.last_seq}&wait=20`).then((r) => r.json())
  const todo = await addTodo('polled')
  const body = await pending
  t.equal(body.reset, false)
  t.ok(body.events.some((e: any) => e.kind === 'todo' && e.todo_ids.includes(todo.id)))
  t.equal(body.last_seq, Math.max(...body.events.map((e: any) => e.seq)))
  t.match((await app.inject({ method: 'GET', url: '/api/v1/events/poll?wait=31' })).json(), { error: /wait must be a whole number of seconds from 0 to 30/ })
})

t.test('the LISTEN connection is cut: the hub catches up from the tables, streams miss nothing', async (t) => {
  const client = await connect()
  await client.waitFor((e) => e.event === 'ready')
  const { rows } = await sql<{ pid: number }>`select pid from pg_stat_activity where query = 'LISTEN "taskoverflow_events"' and datname = current_database()`.execute(app.db)
  t.equal(rows.length, 1, 'one LISTEN connection for the feed, whatever the number of streams')
  await sql`select pg_terminate_backend(${rows[0]!.pid})`.execute(app.db)
  const todo = await addTodo('while the listener was down')
  await client.waitFor((e) => e.event === 'todo' && e.data.todo_ids.includes(todo.id), 30_000, 'the todo made while LISTEN was down')
  t.equal(client.events.filter((e) => e.event === 'todo' && e.data.todo_ids.includes(todo.id)).length, 1, 'once')
})

t.test('closing the app ends open streams', async (t) => {
  const { app: other } = await buildTestApp(t, { WORKER_MODE: 'off' })
  await other.listen({ port: 0, host: '127.0.0.1' })
  const client = await openSse(`http://127.0.0.1:${(other.server.address() as { port: number }).port}/api/v1/events`)
  await client.waitFor((e) => e.event === 'ready')
  await other.close()
  await client.closed
  t.pass('the stream ended when the app closed')
})
