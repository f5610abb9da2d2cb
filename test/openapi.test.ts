// The API description: served at /docs (Swagger UI) and /docs/json, written to openapi.yaml by
// `npm run openapi`. This test fails when openapi.yaml is stale or a route is undocumented.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { parse } from 'yaml'
import { OPENAPI_FILE, openApiYaml } from '../scripts/openapi.ts'
import { buildTestApp } from './helpers/app.ts'

const { app } = await buildTestApp(t, { WORKER_MODE: 'off' })

t.test('openapi.yaml is current: run `npm run openapi` after changing a route', async (t) => {
  const committed = await readFile(OPENAPI_FILE, 'utf8')
  t.equal(committed, await openApiYaml(), 'the file matches what the routes describe')
  const served = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  t.same(parse(committed), served, 'the file is the document the running app serves')
})

t.test('Swagger UI is served at /docs, and / is the web page, which links to it', async (t) => {
  const ui = await app.inject({ method: 'GET', url: '/docs/' })
  t.equal(ui.statusCode, 200)
  t.match(ui.headers['content-type'], /text\/html/)
  t.match(ui.body, /swagger/i)
  const root = await app.inject({ method: 'GET', url: '/' })
  t.equal(root.statusCode, 200)
  t.match(root.headers['content-type'], /text\/html/)
  t.match(root.body, /<a href="\/docs">/)
  const script = await app.inject({ method: 'GET', url: '/js/app.js' })
  t.equal(script.statusCode, 200)
  t.match(script.headers['content-type'], /javascript/)
  t.same((await app.inject({ method: 'GET', url: '/js/nope.js' })).json(), { error: 'Route GET /js/nope.js not found' }, 'unknown files get the API\'s JSON 404')
})

t.test('every operation is documented: tag, summary, described responses per status, examples', async (t) => {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json()
  const operations = Object.entries(doc.paths as Record<string, Record<string, any>>)
    .flatMap(([path, methods]) => Object.entries(methods).map(([method, op]) => ({ name: `${method.toUpperCase()} ${path}`, op })))
  t.same(operations.map((o) => o.name).sort(), [
    'DELETE /api/v1/feeds/{id}',
    'DELETE /api/v1/todos/ical/{task_id}',
    'DELETE /api/v1/todos/{id}',
    'GET /api/v1/events',
    'GET /api/v1/events/poll',
    'GET /api/v1/feeds',
    'GET /api/v1/feeds/{token}.ics',
    'GET /api/v1/health',
    'GET /api/v1/health/live',
    'GET /api/v1/todos',
    'GET /api/v1/todos/ical',
    'GET /api/v1/todos/ical/counts',
    'GET /api/v1/todos/ical/{task_id}/result',
    'GET /api/v1/todos/ical/{task_id}/status',
    'GET /api/v1/todos/ical/{task_id}/timeline',
    'GET /api/v1/todos/{id}',
    'POST /api/v1/feeds',
    'POST /api/v1/feeds/{id}/rotate',
    'POST /api/v1/todos',
    'POST /api/v1/todos/ical',
    'POST /api/v1/todos/ical/{task_id}/retry',
    'PUT /api/v1/todos/{id}'
  ])
  for (const { name, op } of operations) {
    t.ok(op.tags?.length, `${name}: tagged`)
    t.ok(op.summary, `${name}: has a summary`)
    const codes = Object.keys(op.responses)
    t.ok(codes.some((c) => c.startsWith('2')), `${name}: documents its success`)
    // Liveness answers 200 whenever the process can answer at all: it has no error to document.
    if (name !== 'GET /api/v1/health/live') t.ok(codes.some((c) => c.startsWith('4') || c.startsWith('5')), `${name}: documents its errors`)
    for (const [code, response] of Object.entries(op.responses as Record<string, { description: string }>)) {
      t.not(response.description, 'Default Response', `${name} ${code}: described`)
    }
  }
  const text = JSON.stringify(doc)
  for (const schema of ['Todo', 'Error', 'TaskCreated', 'TaskStatus', 'TaskError']) {
    t.ok(doc.components.schemas[schema], `components/schemas/${schema}`)
  }
  t.match(text, /"example":\{"title":"Watch CSSE6400 Lecture"/, 'request bodies carry examples')
})
