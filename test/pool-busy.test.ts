// Busy is not down. With every connection of a small pool lent out, requests that cannot get one
// are answered 503 busy with Retry-After at once (beyond DATABASE_POOL_QUEUE_MAX waiters) or after
// the wait (within it), never "the database cannot be reached"; and an event loop that lags sheds
// requests the same way, health probes excepted. Real concurrency: a real lock holds the pool's
// only connection for as long as the test wants.
import net from 'node:net'
import pg from 'pg'
import t from 'tap'
import { createPool } from '../src/db/connection.ts'
import { PoolBusyError, busyAwarePool } from '../src/db/pool-busy.ts'
import { isDatabaseUnavailable } from '../src/db/unavailable.ts'
import { buildTestApp } from './helpers/app.ts'
import { admin } from './helpers/database.ts'
import { closeTodosGate } from './helpers/gate.ts'
import { waitFor } from './helpers/wait.ts'

/** Until the API's one pool connection is the request waiting behind the test's lock on todos. */
const heldOnTheLock = (databaseName: string) => waitFor(async () => (await admin((c) => c.query(
  'select 1 from pg_stat_activity where datname = $1 and application_name like \'taskoverflow-api@%\' and wait_event_type = \'Lock\'',
  [databaseName]))).rowCount === 1, 'the request holds the only connection, waiting on the lock')

t.test('a full pool answers busy, with Retry-After, and bounds its waiters', async (t) => {
  const { app, database } = await buildTestApp(t, { WORKER_MODE: 'off', DATABASE_POOL_MAX: '1', DATABASE_POOL_QUEUE_MAX: '1' })
  const gate = await closeTodosGate(database.url)
  t.teardown(() => gate.open())

  // The pool's one connection, stuck behind the lock.
  const holder = app.inject({ method: 'GET', url: '/api/v1/todos/1' })
  await heldOnTheLock(database.name)

  // Three more at once: one may wait (and times out waiting), two are refused at once.
  const answers = await Promise.all([1, 2, 3].map(() => app.inject({ method: 'GET', url: '/api/v1/todos/2' })))
  for (const res of answers) {
    t.equal(res.statusCode, 503)
    t.equal(res.headers['retry-after'], '1')
    t.match(res.json(), { error: /^Service busy/, code: 'BUSY' }, 'busy, in its own words: not "the database cannot be reached"')
  }
  await gate.open()
  t.equal((await holder).statusCode, 404, 'the held request finishes normally once the lock is gone')
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/todos/2' })).statusCode, 404, 'and the pool serves again')
})

t.test('a lagging event loop sheds requests (503 busy), but not health probes', async (t) => {
  const { app } = await buildTestApp(t, { WORKER_MODE: 'off', HTTP_MAX_EVENT_LOOP_DELAY_MS: '20' })
  const block = (ms: number) => { const end = Date.now() + ms; while (Date.now() < end); }
  let shed: Awaited<ReturnType<typeof app.inject>> | undefined
  // The loop is blocked for real, repeatedly, until under-pressure's next sample sees the lag.
  await waitFor(async () => {
    block(400)
    const res = await app.inject({ method: 'GET', url: '/api/v1/todos' })
    if (res.statusCode !== 503) return false
    shed = res
    t.equal((await app.inject({ method: 'GET', url: '/api/v1/health/live' })).statusCode, 200, 'liveness is answered under pressure')
    t.equal((await app.inject({ method: 'GET', url: '/metrics' })).statusCode, 200, 'and so are metrics')
    return true
  }, 'a request is shed while the loop lags', { everyMs: 0 })
  t.equal(shed?.headers['retry-after'], '1')
  t.match(shed?.json(), { error: /^Service busy/, code: 'BUSY' })
  await waitFor(async () => (await app.inject({ method: 'GET', url: '/api/v1/todos' })).statusCode === 200, 'served again once the loop is idle', { everyMs: 200 })
})

t.test('a pool full of connections that never connect (a database that hangs) is unavailable, not busy', async (t) => {
  // A real listener that accepts and never answers: every connection attempt hangs.
  const held = new Set<net.Socket>()
  const blackHole = net.createServer((socket) => { held.add(socket) })
  await new Promise<void>((resolve) => blackHole.listen(0, '127.0.0.1', resolve))
  t.teardown(() => { for (const s of held) s.destroy(); blackHole.close() })
  const { port } = blackHole.address() as net.AddressInfo
  const pool = createPool({ url: `postgres://postgres@127.0.0.1:${port}/x`, poolMax: 1, ssl: { mode: 'off', caFile: undefined } }, 'pool-busy-test')
  const busyAware = busyAwarePool(pool, { maxWaiting: 0 })
  t.teardown(() => pool.end().catch(() => {}))
  // The first tries to connect; the second waits behind it (the pool is full) and times out.
  const errors = await Promise.all([busyAware.connect(), busyAware.connect()].map((p) => p.then(() => undefined, (e: Error) => e)))
  for (const error of errors) {
    t.notOk(error instanceof PoolBusyError, `not busy: ${error?.message}`)
    t.ok(isDatabaseUnavailable(error), 'the database cannot be reached')
  }
})

t.test('the busy answer is for requests: readiness says busy, and the inline worker waits for a connection', async (t) => {
  // No request may wait: with the one connection held, every request is refused as busy at once.
  const { app, database } = await buildTestApp(t, { WORKER_MODE: 'inline', DATABASE_POOL_MAX: '1', DATABASE_POOL_QUEUE_MAX: '0' })
  await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'lecture', deadline_at: '2023-02-27T00:00:00' } })
  const gate = await closeTodosGate(database.url)
  t.teardown(() => gate.open())
  const holder = app.inject({ method: 'GET', url: '/api/v1/todos/1' })
  await heldOnTheLock(database.name)

  const ready = await app.inject({ method: 'GET', url: '/api/v1/health' })
  t.equal(ready.statusCode, 503)
  t.equal(ready.headers['retry-after'], '1')
  t.match(ready.json(), { error: /^Service busy/ }, 'readiness: busy, not "Database unavailable"')

  // A job queued meanwhile (pg-boss has its own connections) starts on the inline worker, whose
  // reads and writes wait for the connection instead of being refused: its first attempt succeeds.
  const id = await app.calendarTasks.queue({})
  const jobState = async (state: string) => {
    const client = new pg.Client({ connectionString: database.url })
    await client.connect()
    try {
      return (await client.query('select retry_count from pgboss.job where id = $1 and state::text like $2', [id, state])).rows[0] as { retry_count: number } | undefined
    } finally {
      await client.end()
    }
  }
  await waitFor(async () => (await jobState('%')) !== undefined && (await jobState('created')) === undefined, 'the worker has the job')
  await gate.open()
  t.equal((await holder).statusCode, 200)
  await waitFor(async () => (await jobState('completed')) !== undefined, 'the job completes')
  t.equal((await jobState('completed'))?.retry_count, 0, 'on its first attempt: the worker was never refused a connection')
})
