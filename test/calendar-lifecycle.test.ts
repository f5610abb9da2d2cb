// Every state a task can be in, observed through the API: PENDING while no worker runs, STARTED
// while one works, SUCCESS; FAILURE after retries with the error; REVOKED on cancel; and
// ?wait= waking on the database's notification, not on a timer.
import t, { type Test } from 'tap'
import { sql } from 'kysely'
import { startCalendarConsumers } from '../src/calendar/consumers.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { oneTripTransactions } from '../src/db/one-trip.ts'
import { createLogger } from '../src/logger.ts'
import { JobMetrics } from '../src/metrics/job-metrics.ts'
import { createMetricsRegistry } from '../src/metrics/registry.ts'
import { startBoss } from '../src/queue/boss.ts'
import { ICAL_DEAD_LETTER_QUEUE, ICAL_QUEUE, calendarQueues } from '../src/calendar/queue.ts'
import { buildTestApp } from './helpers/app.ts'
import { closeTodosGate } from './helpers/gate.ts'
import { runEntryPoint } from './helpers/process.ts'
import { createTask, statusOf, waitForStatus } from './helpers/tasks.ts'
import { waitFor } from './helpers/wait.ts'

// The API alone; workers are started by the tests that want them.
const { app, database } = await buildTestApp(t, { WORKER_MODE: 'off' })
await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'lecture', deadline_at: '2023-02-27T00:00:00' } })

/** A worker in this process with its own pg-boss and pool, as `npm run worker` would have. */
async function startWorker (t: Test, env: NodeJS.ProcessEnv = {}) {
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent', ...env }), database.url)
  const logger = createLogger('silent')
  const pool = createPool(config.database, 'test-worker')
  const db = createDatabase(pool)
  const boss = await startBoss(config, logger, 'worker', calendarQueues(config))
  await startCalendarConsumers(boss, { db, oneTrip: oneTripTransactions(pool), config, logger, metrics: new JobMetrics(createMetricsRegistry()) })
  let stopped = false
  const stop = async () => {
    if (stopped) return
    stopped = true
    await boss.stop({ graceful: true, timeout: 5000 })
    await db.destroy()
  }
  t.teardown(stop)
  return { boss, stop }
}

t.test('PENDING while no worker runs; result and status say so', async (t) => {
  const { task_id: id } = await createTask(app)
  const status = (await statusOf(app, id)).json()
  t.match(status, { task_status: 'PENDING', started_at: null, finished_at: null, retry_count: 0 })
  const res = await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/result` })
  t.same({ status: res.statusCode, body: res.json() }, { status: 404, body: { error: 'Task not finished', task_status: 'PENDING' } })
  await app.boss.cancel(ICAL_QUEUE, id) // leave nothing for the next test's worker
})

t.test('PENDING -> STARTED -> SUCCESS, watched from outside', async (t) => {
  const { task_id: id } = await createTask(app)
  t.equal((await statusOf(app, id)).json().task_status, 'PENDING')
  const gate = await closeTodosGate(database.url) // the job starts, then waits for the todos
  t.teardown(() => gate.open())
  await startWorker(t)
  const started = await waitForStatus(app, id, 'STARTED')
  t.ok(started.started_at, 'started_at is set')
  const res = await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/result` })
  t.same(res.json(), { error: 'Task not finished', task_status: 'STARTED' })
  await gate.open()
  const done = await waitForStatus(app, id, 'SUCCESS')
  t.match(done, { task_status: 'SUCCESS', result: { events: 1 } })
})

t.test('?wait= answers when the job finishes, woken by Postgres', async (t) => {
  const { task_id: id } = await createTask(app)
  const begun = Date.now()
  const waiting = statusOf(app, id, '?wait=30')
  // The job is settled by a plain UPDATE from another connection: only the trigger's NOTIFY
  // can tell the waiting request (no worker of ours, nothing to poll).
  await waitFor(() => app.jobSettled.waiting === 1, 'the request is waiting')
  await sql`update pgboss.job set state = 'cancelled', completed_on = now() where id = ${id}::uuid`.execute(app.db)
  const res = await waiting
  t.equal(res.json().task_status, 'REVOKED')
  t.ok(Date.now() - begun < 15_000, 'answered long before the 30 s wait ran out')
  t.equal(app.jobSettled.waiting, 0, 'the waiter was released')
})

t.test('?wait= keeps waiting when woken for another reason (the listener reconnected)', async (t) => {
  const { task_id: id } = await createTask(app)
  const waiting = statusOf(app, id, '?wait=30')
  await waitFor(() => app.jobSettled.waiting === 1, 'the request is waiting')
  let answered = false
  waiting.then(() => { answered = true }, () => {})
  app.jobSettled.wakeAll() // what a reconnect does: look again
  await waitFor(() => app.jobSettled.waiting === 1, 'the request is waiting') // it looked, found PENDING, and waits again
  t.notOk(answered, 'not answered with an unfinished status')
  await sql`update pgboss.job set state = 'cancelled', completed_on = now() where id = ${id}::uuid`.execute(app.db)
  t.equal((await waiting).json().task_status, 'REVOKED')
})

t.test('?wait= gives up after N seconds and answers with the current status', async (t) => {
  const { task_id: id } = await createTask(app)
  const begun = Date.now()
  const res = await statusOf(app, id, '?wait=1')
  t.equal(res.json().task_status, 'PENDING')
  t.ok(Date.now() - begun >= 1000, 'it did wait')
  t.equal(app.jobSettled.waiting, 0)
  await app.boss.cancel(ICAL_QUEUE, id)
})

t.test('?wait= on a finished task answers at once', async (t) => {
  const { task_id: id } = await createTask(app)
  await app.boss.cancel(ICAL_QUEUE, id)
  const res = await statusOf(app, id, '?wait=30')
  t.equal(res.json().task_status, 'REVOKED')
  t.equal(app.jobSettled.waiting, 0)
})

t.test('a job that keeps failing ends FAILURE after its retries, with the error, in the dead-letter queue', async (t) => {
  // A payload this API would never send (window must be a number): the worker refuses it.
  const id = await app.boss.send(ICAL_QUEUE, { filters: { window: 'soon' } }, { retryLimit: 1, retryDelay: 0, retryBackoff: false })
  t.ok(id)
  await startWorker(t)
  // RETRY is not final, so the wait goes on until the last attempt fails; pg-boss fails a job by
  // deleting and re-inserting it, and the trigger reports that too.
  const begun = Date.now()
  const status = (await statusOf(app, id!, '?wait=30')).json()
  t.ok(Date.now() - begun < 25_000, 'woken by the failure, not by the end of the wait')
  t.match(status, { task_status: 'FAILURE', retry_count: 1, retry_limit: 1, error: /invalid job data at \/filters\/window/ })
  t.ok(status.finished_at)
  const res = await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/result` })
  t.equal(res.statusCode, 409)
  t.match(res.json(), { error: 'Task failed', task_status: 'FAILURE', reason: /invalid job data/ })
  const dead = await app.boss.findJobs(ICAL_DEAD_LETTER_QUEUE, { data: { filters: { window: 'soon' } } })
  t.equal(dead.length, 1, 'a copy waits in the dead-letter queue')
})

t.test('cancel: a PENDING task becomes REVOKED; its result is 409; cancelling again is 409', async (t) => {
  const { task_id: id } = await createTask(app)
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/todos/ical/${id}` })
  t.equal(res.statusCode, 200)
  t.match(res.json(), { task_id: id, task_status: 'REVOKED' })
  t.equal((await statusOf(app, id)).json().task_status, 'REVOKED')
  const result = await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/result` })
  t.same({ status: result.statusCode, body: result.json() },
    { status: 409, body: { error: 'Task was revoked', task_status: 'REVOKED', reason: 'cancelled before it finished' } })
  const again = await app.inject({ method: 'DELETE', url: `/api/v1/todos/ical/${id}` })
  t.same({ status: again.statusCode, body: again.json() }, { status: 409, body: { error: 'Task already finished', task_status: 'REVOKED' } })
})

t.test('cancel: a running task becomes REVOKED, its worker stops it at once and stores nothing', async (t) => {
  // A real worker process, so what it does after the cancel can be watched from outside.
  const worker = runEntryPoint(t, 'src/worker.ts', { DATABASE_URL: database.url, ICAL_DELAY_MS: '600000', SHUTDOWN_TIMEOUT_MS: '60000' })
  await worker.waitForOutput(/calendar worker ready/)
  const { task_id: running } = await createTask(app)
  await waitForStatus(app, running, 'STARTED')
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/todos/ical/${running}` })
  t.match({ status: res.statusCode, body: res.json() }, { status: 200, body: { task_status: 'REVOKED' } })
  // The heartbeat tells the worker; its handler stops (the 10-minute delay is abandoned).
  await worker.waitForOutput(new RegExp(`"taskId":"${running}","attempt":1.*calendar job stopped`), 30_000)
  t.equal((await statusOf(app, running)).json().task_status, 'REVOKED', 'still REVOKED after the worker let go')
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendars where task_id = ${running}::uuid`.execute(app.db)
  t.equal(rows[0]!.n, 0, 'no calendar stored')
  worker.child.kill('SIGTERM')
  t.same(await worker.exited, { code: 0, signal: null })
})

t.test('a SUCCESS task cannot be cancelled', async (t) => {
  await startWorker(t)
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'SUCCESS')
  const res = await app.inject({ method: 'DELETE', url: `/api/v1/todos/ical/${id}` })
  t.same({ status: res.statusCode, body: res.json() }, { status: 409, body: { error: 'Task already finished', task_status: 'SUCCESS' } })
  t.equal((await statusOf(app, id)).json().task_status, 'SUCCESS')
})
