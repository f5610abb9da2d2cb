// The todo API, through HTTP, on a real Postgres: the course's graded cases first, then the rest.
import t from 'tap'
import { sql } from 'kysely'
import { buildTestApp } from './helpers/app.ts'

const { app } = await buildTestApp(t, { WORKER_MODE: 'off' })

const FIELDS = ['completed', 'created_at', 'deadline_at', 'description', 'id', 'title', 'updated_at']

async function post (body: unknown) {
  const res = await app.inject({ method: 'POST', url: '/api/v1/todos', payload: body as object })
  return { status: res.statusCode, body: res.json() }
}
async function get (url: string) {
  const res = await app.inject({ method: 'GET', url: `/api/v1${url}` })
  return { status: res.statusCode, body: res.json() }
}
/** A deadline N days from now, as the API writes dates (UTC, no offset, whole seconds). */
function daysFromNow (days: number): string {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 19)
}

t.beforeEach(async () => {
  await sql`truncate todos restart identity`.execute(app.db)
})

t.test('list is empty at first', async (t) => {
  t.same(await get('/todos'), { status: 200, body: [] })
})

t.test('list is in ascending id order, whatever the update order', async (t) => {
  for (const title of ['one', 'two', 'three']) await post({ title })
  await app.inject({ method: 'PUT', url: '/api/v1/todos/1', payload: { title: 'one, changed' } })
  const { body } = await get('/todos')
  t.same(body.map((todo: { id: number }) => todo.id), [1, 2, 3])
  t.equal(body[0].title, 'one, changed')
})

t.test('completed filter', async (t) => {
  await post({ title: 'open' })
  await post({ title: 'done', completed: true })
  t.same((await get('/todos?completed=true')).body.map((x: { title: string }) => x.title), ['done'])
  t.same((await get('/todos?completed=false')).body.map((x: { title: string }) => x.title), ['open'])
  t.equal((await get('/todos')).body.length, 2)
})

t.test('window=5 returns the todo due in 4 days, not the one due in 10, nor one without a deadline', async (t) => {
  await post({ title: 'in 4 days', deadline_at: daysFromNow(4) })
  await post({ title: 'in 10 days', deadline_at: daysFromNow(10) })
  await post({ title: 'overdue', deadline_at: daysFromNow(-3) })
  await post({ title: 'no deadline' })
  t.same((await get('/todos?window=5')).body.map((x: { title: string }) => x.title), ['in 4 days', 'overdue'])
  t.same((await get('/todos?window=0')).body.map((x: { title: string }) => x.title), ['overdue'])
})

t.test('completed and window together are ANDed', async (t) => {
  await post({ title: 'soon, open', deadline_at: daysFromNow(1) })
  await post({ title: 'soon, done', deadline_at: daysFromNow(1), completed: true })
  await post({ title: 'later, done', deadline_at: daysFromNow(30), completed: true })
  t.same((await get('/todos?completed=true&window=5')).body.map((x: { title: string }) => x.title), ['soon, done'])
})

t.test('post fills in the defaults and returns exactly the todo fields', async (t) => {
  const { status, body } = await post({ title: 'Watch CSSE6400 Lecture' })
  t.equal(status, 201)
  t.same(Object.keys(body).sort(), FIELDS)
  t.match(body, { id: 1, title: 'Watch CSSE6400 Lecture', description: null, completed: false, deadline_at: null })
  t.match(body.created_at, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/)
  t.equal(body.updated_at, body.created_at)
})

t.test('post then get returns the same todo; the deadline comes back exactly as written', async (t) => {
  const created = await post({ title: 'Lecture', description: 'Week 7', completed: true, deadline_at: '2023-02-27T00:00:00' })
  t.equal(created.body.deadline_at, '2023-02-27T00:00:00')
  const fetched = await get(`/todos/${created.body.id}`)
  t.same(fetched, { status: 200, body: created.body })
})

t.test('deadlines: offsets are converted to UTC, fractions kept, impossible dates refused', async (t) => {
  const cases: Array<[string, string | null]> = [
    ['2023-02-27T10:00:00+10:00', '2023-02-27T00:00:00'],
    ['2023-02-27T00:00:00Z', '2023-02-27T00:00:00'],
    ['2023-03-01T01:30:00+02:00', '2023-02-28T23:30:00'],
    ['2023-02-27T00:00:00.123456', '2023-02-27T00:00:00.123456'],
    ['2024-02-29T12:00:00', '2024-02-29T12:00:00']
  ]
  for (const [input, stored] of cases) {
    const { status, body } = await post({ title: input, deadline_at: input })
    t.equal(status, 201, input)
    t.equal(body.deadline_at, stored, input)
  }
  for (const input of ['2023-02-30T00:00:00', '2023-02-29T00:00:00', '2023-13-01T00:00:00', '2023-01-01T24:00:00',
    '2023-01-01T23:59:60', '0000-01-01T00:00:00', '0001-01-01T00:30:00+01:00', '2023-02-27', '27/02/2023',
    '2023-02-27T00:00:00.1234567', '2023-02-27 00:00:00', 'tomorrow', '']) {
    const { status, body } = await post({ title: 'bad date', deadline_at: input })
    t.equal(status, 400, input)
    t.match(body.error, /deadline_at/, input)
  }
  t.equal((await get('/todos')).body.length, cases.length, 'nothing was stored by the refused requests')
})

t.test('put changes only the fields sent; updated_at moves, created_at does not', async (t) => {
  const created = (await post({ title: 'before', description: 'keep me', deadline_at: '2023-02-27T00:00:00' })).body
  await sql`update todos set created_at = created_at - interval '1 minute', updated_at = updated_at - interval '1 minute'`.execute(app.db)
  const before = (await get(`/todos/${created.id}`)).body
  const res = await app.inject({ method: 'PUT', url: `/api/v1/todos/${created.id}`, payload: { title: 'after', completed: true } })
  t.equal(res.statusCode, 200)
  const after = res.json()
  t.match(after, { id: created.id, title: 'after', description: 'keep me', completed: true, deadline_at: '2023-02-27T00:00:00' })
  t.equal(after.created_at, before.created_at)
  t.ok(after.updated_at > before.updated_at, 'updated_at moved forward')
  t.same((await get(`/todos/${created.id}`)).body, after)

  const cleared = await app.inject({ method: 'PUT', url: `/api/v1/todos/${created.id}`, payload: { description: null, deadline_at: null } })
  t.match(cleared.json(), { description: null, deadline_at: null, title: 'after' })
})

t.test('put that tries to change the id is rejected and changes nothing', async (t) => {
  const created = (await post({ title: 'stay' })).body
  for (const payload of [{ id: 2 }, { id: 2, title: 'moved' }, { created_at: '2020-01-01T00:00:00' }, { updated_at: '2020-01-01T00:00:00' }]) {
    const res = await app.inject({ method: 'PUT', url: `/api/v1/todos/${created.id}`, payload })
    t.equal(res.statusCode, 400, JSON.stringify(payload))
    t.match(res.json().error, /unknown field/)
  }
  t.same((await get(`/todos/${created.id}`)).body, created)
  t.equal((await get('/todos/2')).status, 404)
})

t.test('put on an unknown todo is 404', async (t) => {
  const res = await app.inject({ method: 'PUT', url: '/api/v1/todos/99', payload: { title: 'ghost' } })
  t.same({ status: res.statusCode, body: res.json() }, { status: 404, body: { error: 'Todo not found' } })
})

t.test('put with an empty object changes nothing', async (t) => {
  const created = (await post({ title: 'same' })).body
  const res = await app.inject({ method: 'PUT', url: `/api/v1/todos/${created.id}`, payload: {} })
  t.same({ status: res.statusCode, body: res.json() }, { status: 200, body: created })
})

t.test('delete answers with the deleted todo, then get is 404', async (t) => {
  const created = (await post({ title: 'short-lived' })).body
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/todos/${created.id}` })
  t.same({ status: res.statusCode, body: res.json() }, { status: 200, body: created })
  t.same(await get(`/todos/${created.id}`), { status: 404, body: { error: 'Todo not found' } })
})

t.test('delete of a missing todo is 200 {}', async (t) => {
  const res = await app.inject({ method: 'DELETE', url: '/api/v1/todos/12345' })
  t.same({ status: res.statusCode, body: res.json() }, { status: 200, body: {} })
})

t.test('get with an unknown or impossible id is 404; a non-integer id is 400; never 500', async (t) => {
  t.same(await get('/todos/1'), { status: 404, body: { error: 'Todo not found' } })
  t.same(await get('/todos/99999999999999999999'), { status: 404, body: { error: 'Todo not found' } })
  t.equal((await get('/todos/0')).status, 404)
  for (const id of ['abc', '1.5', '-1', '%20']) {
    const { status, body } = await get(`/todos/${id}`)
    t.equal(status, 400, id)
    t.match(body.error, /positive integer/, id)
  }
  const del = await app.inject({ method: 'DELETE', url: '/api/v1/todos/abc' })
  t.equal(del.statusCode, 400)
})

t.test('text is stored exactly: commas, quotes, newlines, emoji, 80 characters of them', async (t) => {
  const title = '😀'.repeat(80)
  const description = 'a,b;c\n"quoted" \\ back\\slash\ttab — ünïcödé'
  const { status, body } = await post({ title, description })
  t.equal(status, 201)
  t.equal(body.title, title)
  t.equal(body.description, description)
  t.same((await get(`/todos/${body.id}`)).body, body)
})

t.test('responses carry the request id', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { 'x-request-id': 'abc-123' } })
  t.equal(res.statusCode, 200)
  t.equal(res.headers['x-request-id'], 'abc-123')
})

t.test('put with only a title leaves completed as it was', async (t) => {
  const created = (await post({ title: 'done already', completed: true })).body
  const res = await app.inject({ method: 'PUT', url: `/api/v1/todos/${created.id}`, payload: { title: 'renamed' } })
  t.match(res.json(), { title: 'renamed', completed: true })
})
