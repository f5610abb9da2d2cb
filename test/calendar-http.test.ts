// The calendar API over real HTTP (app.listen on a free port, Node's fetch): what app.inject
// cannot show — a client that hangs up, the headers a reverse proxy adds, a download streamed in
// several chunks with its Content-Length, and a result whose calendar is gone.
import t from 'tap'
import { sql } from 'kysely'
import type { App } from '../src/app.ts'
import { CHUNK_BYTES } from '../src/calendar/store.ts'
import { buildTestApp } from './helpers/app.ts'
import { createTestDatabase, type TestDatabase } from './helpers/database.ts'
import { parseManyEvents } from './helpers/ical.ts'
import { waitForStatus } from './helpers/tasks.ts'
import { waitFor } from './helpers/wait.ts'

// The apps that only queue share a database in which nothing works the jobs: their tasks stay
// PENDING, so a waiter can only be released by its client going away.
const queueOnly = await createTestDatabase()
t.teardown(() => queueOnly.drop())

/** The app listening on a free port of 127.0.0.1. */
async function serve (env: NodeJS.ProcessEnv, database?: TestDatabase): Promise<{ app: App, base: string }> {
  const { app } = await buildTestApp(t, env, database)
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  return { app, base: `${address}/api/v1` }
}

const worker = await serve({ WORKER_MODE: 'inline' }) // on a database of its own
const trusting = await serve({ WORKER_MODE: 'off', TRUST_PROXY: 'true', ALLOWED_HOSTS: 'todo.example.org' }, queueOnly)
const direct = await serve({ WORKER_MODE: 'off', TRUST_PROXY: 'false' }, queueOnly)
const published = await serve({ WORKER_MODE: 'off', TRUST_PROXY: 'true', PUBLIC_URL: 'https://calendar.example.net/todo/' }, queueOnly)

const queueTask = (base: string, headers: Record<string, string> = {}) => fetch(`${base}/todos/ical`, { method: 'POST', headers })
const jsonOf = (res: Response): Promise<any> => res.json()

t.test('a ?wait=30 waiter is released as soon as its client disconnects', async (t) => {
  const { app, base } = trusting
  const { task_id: id } = await jsonOf(await queueTask(base))
  const client = new AbortController()
  const request = fetch(`${base}/todos/ical/${id}/status?wait=30`, { signal: client.signal })
  request.catch(() => {}) // rejected by the abort below; awaited there
  await waitFor(() => app.jobSettled.waiting === 1, 'the request waits on its task', { timeoutMs: 5000 })
  const abortedAt = Date.now()
  client.abort()
  await t.rejects(request, { name: 'AbortError' })
  await waitFor(() => app.jobSettled.waiting === 0, 'the waiter is released', { timeoutMs: 5000 })
  t.ok(Date.now() - abortedAt < 5000, 'released long before its 30 s')
  t.equal((await jsonOf(await fetch(`${base}/todos/ical/${id}/status`))).task_status, 'PENDING', 'the task itself is untouched')
})

t.test('URLs behind a reverse proxy', async (t) => {
  const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'todo.example.org' }
  const urlsOf = async (base: string) => {
    const res = await queueTask(base, forwarded)
    t.equal(res.status, 202)
    const { task_id: id, task_url: taskUrl } = await jsonOf(res)
    t.equal(res.headers.get('location'), taskUrl, 'Location is the task URL')
    const status = await jsonOf(await fetch(`${base}/todos/ical/${id}/status`, { headers: forwarded }))
    return { id, taskUrl, resultUrl: status.result_url }
  }

  const viaTrusted = await urlsOf(trusting.base)
  t.same(viaTrusted, {
    id: viaTrusted.id,
    taskUrl: `https://todo.example.org/api/v1/todos/ical/${viaTrusted.id}/status`,
    resultUrl: `https://todo.example.org/api/v1/todos/ical/${viaTrusted.id}/result`
  }, 'TRUST_PROXY=true: X-Forwarded-Proto and X-Forwarded-Host (in ALLOWED_HOSTS) decide')

  const viaDirect = await urlsOf(direct.base)
  const own = new URL(direct.base).origin
  t.same(viaDirect, {
    id: viaDirect.id,
    taskUrl: `${own}/api/v1/todos/ical/${viaDirect.id}/status`,
    resultUrl: `${own}/api/v1/todos/ical/${viaDirect.id}/result`
  }, 'TRUST_PROXY=false: the forwarded headers are ignored')

  const viaPublished = await urlsOf(published.base)
  t.same(viaPublished, {
    id: viaPublished.id,
    taskUrl: `https://calendar.example.net/todo/api/v1/todos/ical/${viaPublished.id}/status`,
    resultUrl: `https://calendar.example.net/todo/api/v1/todos/ical/${viaPublished.id}/result`
  }, 'PUBLIC_URL wins over the forwarded headers')
})

t.test('a calendar of several chunks downloads whole, with a matching Content-Length', async (t) => {
  const { app, base } = worker
  const todos = 4500 // full-length titles and descriptions (~350 bytes an event): ~1.5 MB, two chunks
  await sql`truncate todos restart identity`.execute(app.db)
  await sql`
    insert into todos (title, description, deadline_at)
    select rpad('todo number ' || n || ' ', 80, 'abcdefghij'), rpad('description ' || n || ' ', 120, 'klmnopqrst'), timestamp '2024-01-01' + n * interval '1 hour'
    from generate_series(1, ${todos}) as n`.execute(app.db)

  const { task_id: id } = await jsonOf(await queueTask(base))
  const status = await waitForStatus(app, id, 'SUCCESS')
  const { rows: [stored] } = await sql<{ chunks: number }>`select count(*)::int as chunks from calendar_body_chunks k join calendars c on c.body_id = k.body_id where c.task_id = ${id}`.execute(app.db)
  t.ok(stored!.chunks > 1, `stored in ${stored!.chunks} chunks of ${CHUNK_BYTES} bytes`)
  t.ok(status.result.bytes > CHUNK_BYTES, `${status.result.bytes} bytes`)

  const res = await fetch(`${base}/todos/ical/${id}/result`)
  t.equal(res.status, 200)
  t.equal(res.headers.get('content-type'), 'text/calendar; charset=utf-8')
  const body = Buffer.from(await res.arrayBuffer())
  t.equal(Number(res.headers.get('content-length')), body.length, 'Content-Length is what arrived')
  t.equal(body.length, status.result.bytes, 'and what the job stored')
  const text = body.toString('utf8')
  t.match(text, /^BEGIN:VCALENDAR\r\n[\s\S]*\r\nEND:VCALENDAR\r\n$/, 'one calendar, complete')
  const events = parseManyEvents(text)
  t.equal(events.length, todos)
  t.equal(status.result.events, todos)
  t.equal(events[0]?.uid, 'todo-1@taskoverflow')
  t.equal(events.at(-1)?.uid, `todo-${todos}@taskoverflow`)
  t.equal(new Set(events.map((e) => e.uid)).size, todos, 'no event twice across chunk boundaries')
})

t.test('a SUCCESS task whose calendar was deleted: 410 with a JSON error', async (t) => {
  const { app, base } = worker
  await sql`truncate todos restart identity`.execute(app.db)
  const { task_id: id } = await jsonOf(await queueTask(base))
  await waitForStatus(app, id, 'SUCCESS')
  t.equal((await fetch(`${base}/todos/ical/${id}/result`)).status, 200, 'downloadable before')
  const deleted = await app.db.deleteFrom('calendars').where('task_id', '=', id).executeTakeFirst()
  t.equal(Number(deleted.numDeletedRows), 1)

  const res = await fetch(`${base}/todos/ical/${id}/result`)
  t.equal(res.status, 410)
  t.match(res.headers.get('content-type'), /^application\/json/)
  t.same(await jsonOf(res), { error: 'The calendar of this task is no longer stored' })
  const status = await jsonOf(await fetch(`${base}/todos/ical/${id}/status`))
  t.equal(status.task_status, 'SUCCESS', 'the task still says SUCCESS')
})
