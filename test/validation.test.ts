// Bad input: always a 4xx with a JSON {"error": "..."} that says what is wrong; never a 500,
// never a partial write.
import t, { type Test } from 'tap'
import type { InjectOptions } from 'fastify'
import { buildTestApp } from './helpers/app.ts'

const { app } = await buildTestApp(t, { WORKER_MODE: 'off' })

async function count () {
  return (await app.inject({ method: 'GET' as const, url: '/api/v1/todos' })).json().length as number
}

async function expect400 (t: Test, request: InjectOptions, error: RegExp) {
  const res = await app.inject(request)
  t.equal(res.statusCode, 400, `${JSON.stringify(request)} -> ${res.body}`)
  t.match(res.headers['content-type'], /application\/json/)
  t.match(res.json(), { error })
}

t.test('POST /todos refuses every malformed body with a clear message', async (t) => {
  const post = (payload: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
    method: 'POST' as const, url: '/api/v1/todos', headers, payload: typeof payload === 'string' ? payload : JSON.stringify(payload)
  })
  await expect400(t, post({}), /field title is required/)
  await expect400(t, post({ description: 'no title' }), /title is required/)
  await expect400(t, post({ title: '' }), /title must not be empty/)
  await expect400(t, post({ title: 'x'.repeat(81) }), /title must be at most 80 characters/)
  await expect400(t, post({ title: 'ok', description: 'y'.repeat(121) }), /description must be at most 120 characters/)
  await expect400(t, post({ title: 5 }), /title must be of type string/)
  await expect400(t, post({ title: null }), /title must be of type string/)
  await expect400(t, post({ title: 'ok', completed: 'true' }), /completed must be of type boolean/)
  await expect400(t, post({ title: 'ok', completed: 1 }), /completed must be of type boolean/)
  await expect400(t, post({ title: 'ok', deadline_at: 20230227 }), /deadline_at must be of type string or null/)
  await expect400(t, post({ title: 'ok', deadline_at: 'soon' }), /deadline_at must be an ISO 8601 date-time/)
  await expect400(t, post({ title: 'ok', id: 7 }), /unknown field 'id'/)
  await expect400(t, post({ title: 'ok', created_at: '2023-01-01T00:00:00' }), /unknown field 'created_at'/)
  await expect400(t, post({ title: 'ok', colour: 'red' }), /unknown field 'colour'/)
  await expect400(t, post({ title: 'nul \u0000 byte' }), /NUL/)
  await expect400(t, post('{"title": "lone \\ud800 surrogate"}'), /surrogate/)
  await expect400(t, post([{ title: 'in an array' }]), /request body must be a JSON object/)
  await expect400(t, post('"just a string"'), /request body must be a JSON object/)
  await expect400(t, post('null'), /request body must be a JSON object/)
  await expect400(t, post('{"title": "unterminated'), /not valid JSON/)
  await expect400(t, post(''), /empty/)
  await expect400(t, post('title=form', { 'content-type': 'application/x-www-form-urlencoded' }), /Content-Type .* not supported/)
  await expect400(t, post('title', { 'content-type': 'text/plain' }), /Content-Type .* not supported/)
  await expect400(t, { method: 'POST' as const, url: '/api/v1/todos' }, /request body must be a JSON object/)
  await expect400(t, post('{"title":"proto","__proto__":{"x":1}}'), /forbidden __proto__ or constructor.prototype key/)
  t.equal(await count(), 0, 'nothing was stored')
})

t.test('PUT /todos/:id uses the same field rules', async (t) => {
  const created = (await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'keep' } })).json()
  const put = (payload: object) => ({ method: 'PUT' as const, url: `/api/v1/todos/${created.id}`, payload })
  await expect400(t, put({ title: null }), /title must be of type string/)
  await expect400(t, put({ title: 'x'.repeat(81) }), /at most 80/)
  await expect400(t, put({ completed: 'yes' }), /completed must be of type boolean/)
  await expect400(t, put({ deadline_at: '2023-02-30T00:00:00' }), /deadline_at: 2023-02-30T00:00:00 is not a real date/)
  await expect400(t, put({ id: 2 }), /unknown field 'id'/)
  const after = (await app.inject({ method: 'GET' as const, url: `/api/v1/todos/${created.id}` })).json()
  t.same(after, created, 'the todo is unchanged')
})

t.test('GET /todos filters accept exactly their documented values', async (t) => {
  for (const query of ['completed=yes', 'completed=1', 'completed=TRUE', 'completed=', 'completed=true&completed=false']) {
    await expect400(t, { method: 'GET' as const, url: `/api/v1/todos?${query}` }, /query parameter completed/)
  }
  for (const query of ['window=-1', 'window=abc', 'window=1.5', 'window=', 'window=0x10', 'window=%205', 'window=100000', 'window=05']) {
    await expect400(t, { method: 'GET' as const, url: `/api/v1/todos?${query}` }, /query parameter window/)
  }
  await expect400(t, { method: 'GET' as const, url: '/api/v1/todos?complete=true' }, /unknown query parameter 'complete'/)
  const ok = await app.inject({ method: 'GET' as const, url: '/api/v1/todos?completed=false&window=99999' })
  t.equal(ok.statusCode, 200)
})

t.test('unknown routes are a JSON 404', async (t) => {
  const res = await app.inject({ method: 'GET' as const, url: '/api/v1/nope' })
  t.equal(res.statusCode, 404)
  t.same(res.json(), { error: 'Route GET /api/v1/nope not found' })
})
