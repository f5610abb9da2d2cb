// GET /health (readiness): 200 when the database answers, 503 with a JSON error when it does
// not; GET /health/live (liveness): 200 either way, the database is not asked. And the service
// rides out the outage (no crash, no 500s) and recovers when the database is back.
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'
import { createTestDatabase } from './helpers/database.ts'
import { startTcpProxy } from './helpers/tcp-proxy.ts'
import { waitFor } from './helpers/wait.ts'

// The app reaches its database through a proxy the test can cut.
const database = await createTestDatabase()
const target = new URL(database.url)
const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
const viaProxy = new URL(database.url)
viaProxy.host = `127.0.0.1:${proxy.port}`
const { app } = await buildTestApp(t, { WORKER_MODE: 'inline', LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent' }, { ...database, url: viaProxy.toString() })
t.teardown(async () => {
  await proxy.close()
  await database.drop()
})

t.test('200 {"status":"ok"} when the database answers', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/v1/health' })
  t.same({ status: res.statusCode, body: res.json() }, { status: 200, body: { status: 'ok' } })
})

t.test('liveness: 200 {"status":"ok"}', async (t) => {
  const res = await app.inject({ method: 'GET', url: '/api/v1/health/live' })
  t.same({ status: res.statusCode, body: res.json() }, { status: 200, body: { status: 'ok' } })
})

t.test('database gone: 503 with a JSON error everywhere, no crash; back: 200 again', async (t) => {
  await proxy.cut()
  const down = await app.inject({ method: 'GET', url: '/api/v1/health' })
  t.same({ status: down.statusCode, body: down.json() }, { status: 503, body: { error: 'Database unavailable' } })
  const live = await app.inject({ method: 'GET', url: '/api/v1/health/live' })
  t.same({ status: live.statusCode, body: live.json() }, { status: 200, body: { status: 'ok' } }, 'liveness does not depend on the database')
  for (const url of ['/api/v1/todos', '/api/v1/todos/1']) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 503, `${url}: 503 rather than 500`)
    t.match(res.json(), { error: /database cannot be reached/ })
  }
  // pg-boss's workers and listeners retry in the background meanwhile; the process must live on
  // through several of their reconnection attempts.
  const attempts = proxy.refused
  await waitFor(() => proxy.refused >= attempts + 3, 'three reconnection attempts during the outage')
  await proxy.restore()
  let status = 0
  await waitFor(async () => {
    status = (await app.inject({ method: 'GET', url: '/api/v1/health' })).statusCode
    return status === 200
  }, 'healthy again')
  t.equal(status, 200, 'healthy again once the database is reachable')
  const created = await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'after the outage', deadline_at: '2023-02-27T00:00:00' } })
  t.equal(created.statusCode, 201)
  const task = await app.inject({ method: 'POST', url: '/api/v1/todos/ical' })
  t.equal(task.statusCode, 202)
  const done = await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${task.json().task_id}/status?wait=20` })
  t.equal(done.json().task_status, 'SUCCESS', 'the queue works again too')
})
