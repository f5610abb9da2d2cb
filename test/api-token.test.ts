// API_TOKEN: with it set, every route needs `Authorization: Bearer <token>` except the few that must
// stay open (health checks, docs, the web page's files, feed URLs for calendar apps); without it
// the API stays open. Every route the app has is tried, so a new one is closed unless it is named.
import t from 'tap'
import { freePort } from '../scripts/free-port.ts'
import { OPEN_ROUTES } from '../src/http/api-token.ts'
import { buildTestApp } from './helpers/app.ts'
import { runEntryPoint } from './helpers/process.ts'

const TOKEN = 'a-test-token-0123456789-abcdefghij'
const { app, database } = await buildTestApp(t, { API_TOKEN: TOKEN, WORKER_MODE: 'off' })
const { app: openApp } = await buildTestApp(t, { WORKER_MODE: 'off' })

// Every route of the OpenAPI document, and those left out of it.
const routes: Array<{ method: string, url: string }> = []
const sample = (url: string) => url.replace(':task_id', '00000000-0000-4000-8000-000000000000').replace(':token', 'x'.repeat(43)).replace(':id', '1').replace('*', 'x')
await app.ready()
const swagger = app.swagger() as { paths: Record<string, Record<string, unknown>> }
for (const [url, methods] of Object.entries(swagger.paths)) {
  for (const method of Object.keys(methods)) routes.push({ method: method.toUpperCase(), url: url.replace(/\{(\w+)\}/g, ':$1') })
}
routes.push({ method: 'GET', url: '/metrics' }, { method: 'GET', url: '/api/v1/no-such-route' })
const isOpen = (url: string) => OPEN_ROUTES.some((open) => open.route.test(url))

t.test('without the token: 401 with a JSON error and WWW-Authenticate on every route but the open ones', async (t) => {
  t.ok(routes.length > 20, `${routes.length} routes tried`)
  for (const { method, url } of routes) {
    const res = await app.inject({ method: method as 'GET', url: sample(url) })
    if (isOpen(url)) {
      t.not(res.statusCode, 401, `${method} ${url} is open`)
    } else {
      t.equal(res.statusCode, 401, `${method} ${url}`)
      t.same(res.json(), { error: 'Missing or wrong API token: send the header Authorization: Bearer <token>' })
      t.equal(res.headers['www-authenticate'], 'Bearer realm="taskoverflow"')
    }
  }
})

t.test('a wrong token, another scheme or a token with a suffix is refused; the right one passes', async (t) => {
  for (const authorization of ['Bearer wrong', `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, `Basic ${TOKEN}`, TOKEN, `Bearer ${TOKEN} extra`, 'Bearer ']) {
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { authorization } })).statusCode, 401, authorization)
  }
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { authorization: `bearer ${TOKEN}` } })).statusCode, 200, 'the scheme is case-insensitive (RFC 9110)')
  const created = await app.inject({ method: 'POST', url: '/api/v1/todos', headers: { authorization: `Bearer ${TOKEN}` }, payload: { title: 'with a token' } })
  t.equal(created.statusCode, 201)
  t.equal((await app.inject({ method: 'GET', url: '/metrics', headers: { authorization: `Bearer ${TOKEN}` } })).statusCode, 200, 'Prometheus scrapes with the token (authorization.credentials)')
})

t.test('open without a token: health, docs, the web page and its files, feed URLs', async (t) => {
  for (const url of ['/api/v1/health', '/api/v1/health/live', '/docs', '/docs/json', '/docs/static/swagger-ui-bundle.js', '/', '/index.html', '/js/app.js', '/style.css']) {
    t.equal((await app.inject({ method: 'GET', url })).statusCode, 200, url)
  }
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/feeds/${'x'.repeat(43)}.ics` })).statusCode, 404, 'a feed URL answers for itself (its own token)')
  t.equal((await app.inject({ method: 'GET', url: '/js/missing.js' })).statusCode, 401, 'a file that is not in public/ is not open')
})

t.test('unset, the API is open as before', async (t) => {
  t.equal((await openApp.inject({ method: 'GET', url: '/api/v1/todos' })).statusCode, 200)
  t.equal((await openApp.inject({ method: 'GET', url: '/metrics' })).statusCode, 200)
})

t.test('the token is never in the output of a real `npm start` at LOG_LEVEL=trace, used right or wrong', async (t) => {
  const port = await freePort()
  const server = runEntryPoint(t, 'src/server.ts', { DATABASE_URL: database.url, PORT: String(port), API_TOKEN: TOKEN, LOG_LEVEL: 'trace', WORKER_MODE: 'off', MIGRATE_ON_START: 'false' })
  await server.waitForOutput(/listening/i, 60_000)
  const base = `http://127.0.0.1:${port}/api/v1`
  t.equal((await fetch(`${base}/todos`, { headers: { authorization: `Bearer ${TOKEN}` } })).status, 200)
  t.equal((await fetch(`${base}/todos`, { headers: { authorization: `Bearer ${TOKEN}-wrong` } })).status, 401)
  t.equal((await fetch(`${base}/todos?token=${TOKEN}`)).status, 401, 'a token in the query string is not taken')
  server.child.kill('SIGTERM')
  t.same(await server.exited, { code: 0, signal: null })
  const logged = server.output().replaceAll(`token=${TOKEN}`, '') // the URL of the one request that put it there itself
  t.notOk(logged.includes(TOKEN), `the token is not in its ${logged.length} bytes of output`)
  t.notOk(logged.includes(TOKEN.slice(0, 16)), 'nor a part of it')
})
