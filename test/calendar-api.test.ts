// The calendar job API end to end: HTTP -> pg-boss in Postgres -> a real worker -> the result,
// read back by a real iCalendar parser. No fixed sleeps: tests wait on ?wait= or on a state.
import t from 'tap'
import { sql } from 'kysely'
import { EMPTY_CALENDAR_COMPONENT } from '../src/calendar/ical.ts'
import { buildTestApp } from './helpers/app.ts'
import { parseEvents } from './helpers/ical.ts'
import { createTask, statusOf, waitForStatus } from './helpers/tasks.ts'

const { app } = await buildTestApp(t) // WORKER_MODE=inline: the app works its own jobs

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

t.beforeEach(async () => {
  await sql`truncate todos restart identity`.execute(app.db)
})

async function addTodo (body: object) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/todos', payload: body })
  return res.json()
}

async function result (id: string, headers: Record<string, string> = {}) {
  return app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/result`, headers })
}

t.test('POST -> 202 -> SUCCESS -> a calendar with one event per todo that has a deadline', async (t) => {
  await addTodo({ title: 'Watch lecture', description: 'Week 7, queues', deadline_at: '2023-02-27T00:00:00' })
  await addTodo({ title: 'Submit practical', completed: true, deadline_at: '2023-03-01T09:30:00' })
  await addTodo({ title: 'Someday, no deadline' })

  const res = await app.inject({ method: 'POST', url: '/api/v1/todos/ical', headers: { host: 'localhost:6400' } })
  t.equal(res.statusCode, 202)
  const body = res.json()
  t.same(Object.keys(body).sort(), ['task_id', 'task_url'])
  t.match(body.task_id, UUID)
  t.equal(body.task_url, `http://localhost:6400/api/v1/todos/ical/${body.task_id}/status`, 'from the Host header, as it is in ALLOWED_HOSTS')
  t.equal(res.headers.location, body.task_url)

  const status = await waitForStatus(app, body.task_id, 'SUCCESS')
  t.match(status, {
    task_id: body.task_id,
    task_status: 'SUCCESS',
    result_url: `http://localhost:80/api/v1/todos/ical/${body.task_id}/result`,
    filters: {},
    retry_count: 0,
    result: { events: 2 }
  })
  t.ok(status.created_at <= status.started_at && status.started_at <= status.finished_at, 'times in order')

  const calendar = await result(body.task_id)
  t.equal(calendar.statusCode, 200)
  t.equal(calendar.headers['content-type'], 'text/calendar; charset=utf-8')
  t.equal(calendar.headers['content-disposition'], `attachment; filename="taskoverflow-${body.task_id}.ics"`)
  t.equal(Number(calendar.headers['content-length']), Buffer.byteLength(calendar.body))
  t.equal(status.result.bytes, Buffer.byteLength(calendar.body))
  t.match(calendar.body, /^BEGIN:VCALENDAR\r\nVERSION:2\.0\r\nPRODID:-\/\/Taskoverflow Calendar\/\/mxm\.dk\/\/\r\n/)

  const events = parseEvents(calendar.body)
  t.same(events.map((e) => [e.uid, e.summary, e.description]).sort(), [
    ['todo-1@taskoverflow', 'Watch lecture', 'Week 7, queues'],
    ['todo-2@taskoverflow', 'Submit practical', undefined]
  ])
  t.match(calendar.body, /UID:todo-1@taskoverflow[\s\S]*DTSTART:20230227T000000\r\n/)
  t.match(calendar.body, /UID:todo-2@taskoverflow[\s\S]*DTSTART:20230301T093000\r\n[\s\S]*CATEGORIES:Completed/)
})

t.test('filters: the job builds from the same todos GET /todos would list', async (t) => {
  const soon = new Date(Date.now() + 2 * 86_400_000).toISOString().slice(0, 19)
  const later = new Date(Date.now() + 20 * 86_400_000).toISOString().slice(0, 19)
  await addTodo({ title: 'soon open', deadline_at: soon })
  await addTodo({ title: 'soon done', deadline_at: soon, completed: true })
  await addTodo({ title: 'later open', deadline_at: later })
  const summaries = async (query: string) => {
    const { task_id: id } = await createTask(app, query)
    const status = await waitForStatus(app, id, 'SUCCESS')
    const events = parseEvents((await result(id)).body).map((e) => String(e.summary)).sort()
    t.equal(status.result.events, events.length)
    return { filters: status.filters, events }
  }
  t.same(await summaries('?completed=true'), { filters: { completed: true }, events: ['soon done'] })
  t.same(await summaries('?completed=false'), { filters: { completed: false }, events: ['later open', 'soon open'] })
  t.same(await summaries('?window=5'), { filters: { window: 5 }, events: ['soon done', 'soon open'] })
  t.same(await summaries('?window=5&completed=false'), { filters: { completed: false, window: 5 }, events: ['soon open'] })
})

t.test('todos without deadlines, or none at all, give an empty calendar, not a failure', async (t) => {
  await addTodo({ title: 'no deadline' })
  const { task_id: id } = await createTask(app)
  const status = await waitForStatus(app, id, 'SUCCESS')
  t.equal(status.result.events, 0)
  const body = (await result(id)).body
  // RFC 5545 wants a component in every calendar: an empty one gets a VTIMEZONE (src/calendar/ical.ts).
  t.equal(body, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Taskoverflow Calendar//mxm.dk//\r\n${EMPTY_CALENDAR_COMPONENT}END:VCALENDAR\r\n`)
})

t.test('POST /todos/ical takes no body, or an empty one, with or without Content-Type', async (t) => {
  const accepted = [
    {},
    { headers: { 'content-type': 'application/json' } },
    { headers: { 'content-type': 'application/json' }, payload: '' },
    { headers: { 'content-type': 'application/json' }, payload: '{}' },
    { headers: { 'content-type': 'application/json; charset=utf-8' }, payload: '  ' }
  ]
  for (const options of accepted) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/todos/ical', ...options })
    t.equal(res.statusCode, 202, JSON.stringify(options))
  }
  const refused: Array<[object, RegExp]> = [
    [{ headers: { 'content-type': 'application/json' }, payload: '{"completed": true}' }, /takes no body: pass the filters in the query string/],
    [{ headers: { 'content-type': 'application/json' }, payload: '{not json' }, /not valid JSON/],
    [{ headers: { 'content-type': 'text/plain' }, payload: 'hello' }, /Content-Type 'text\/plain' is not supported/],
    [{ url: '/api/v1/todos/ical?completed=maybe' }, /query parameter completed must be one of: true, false/],
    [{ url: '/api/v1/todos/ical?window=-5' }, /query parameter window must be a whole number of days/],
    [{ url: '/api/v1/todos/ical?colour=red' }, /unknown query parameter 'colour'/]
  ]
  for (const [options, error] of refused) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/todos/ical', ...options })
    t.equal(res.statusCode, 400, JSON.stringify(options))
    t.match(res.json(), { error }, JSON.stringify(options))
  }
})

t.test('unknown and malformed task ids are 404 Task not found, on every task route', async (t) => {
  for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', '1', "'; drop table todos; --"]) {
    const path = `/api/v1/todos/ical/${encodeURIComponent(id)}`
    for (const [method, url] of [['GET', `${path}/status`], ['GET', `${path}/status?wait=1`], ['GET', `${path}/result`], ['DELETE', path]] as const) {
      const res = await app.inject({ method, url })
      t.same({ status: res.statusCode, body: res.json() }, { status: 404, body: { error: 'Task not found' } }, `${method} ${url}`)
    }
  }
  const bad = await app.inject({ method: 'GET', url: '/api/v1/todos/ical/00000000-0000-4000-8000-000000000000/status?wait=31' })
  t.equal(bad.statusCode, 400)
  t.match(bad.json().error, /wait must be a whole number of seconds from 0 to 30/)
})

t.test('a job id of another queue is not a task', async (t) => {
  const id = await app.boss.send('ical-dead-letter', { filters: {} })
  t.ok(id)
  t.equal((await statusOf(app, id!)).statusCode, 404)
})

t.test('PUBLIC_URL, when set, is the base of every URL handed out', async (t) => {
  const { app: other } = await buildTestApp(t, { WORKER_MODE: 'off', PUBLIC_URL: 'https://todo.example.com/' })
  const res = await other.inject({ method: 'POST', url: '/api/v1/todos/ical' })
  const { task_id: id, task_url: url } = res.json()
  t.equal(url, `https://todo.example.com/api/v1/todos/ical/${id}/status`)
  t.equal((await statusOf(other, id)).json().result_url, `https://todo.example.com/api/v1/todos/ical/${id}/result`)
})
