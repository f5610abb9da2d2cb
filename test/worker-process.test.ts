// `npm run worker` as a real process beside an API that runs no worker (WORKER_MODE=off):
// it completes jobs, several run at once without doing a job twice, and SIGTERM stops it
// without losing or stranding a job.
import t, { type Test } from 'tap'
import { sql } from 'kysely'
import { buildTestApp } from './helpers/app.ts'
import { createTestDatabase } from './helpers/database.ts'
import { runEntryPoint } from './helpers/process.ts'
import { closeTodosGate } from './helpers/gate.ts'
import { createTask, statusOf, waitForStatus } from './helpers/tasks.ts'

const { app, database } = await buildTestApp(t, { WORKER_MODE: 'off' })
await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'lecture', deadline_at: '2023-02-27T00:00:00' } })

const worker = (t: Test, env: NodeJS.ProcessEnv = {}) =>
  runEntryPoint(t, 'src/worker.ts', { DATABASE_URL: database.url, SHUTDOWN_TIMEOUT_MS: '20000', ...env })

async function activeJobs (): Promise<number> {
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = 'ical' and state = 'active'`.execute(app.db)
  return rows[0]!.n
}

t.test('a standalone worker completes a job the API queued', async (t) => {
  const { task_id: id } = await createTask(app)
  const w = worker(t)
  await w.waitForOutput(/calendar worker ready/)
  const status = await waitForStatus(app, id, 'SUCCESS')
  t.equal(status.result.events, 1)
  w.child.kill('SIGTERM')
  t.same(await w.exited, { code: 0, signal: null }, 'SIGTERM: exits 0')
  t.match(w.output(), /stopping: no new jobs, finishing active ones/)
})

t.test('SIGTERM during a job: the job finishes, then the worker exits 0', async (t) => {
  const gate = await closeTodosGate(database.url) // the job starts, then waits for the todos
  t.teardown(() => gate.open())
  const w = worker(t)
  await w.waitForOutput(/calendar worker ready/)
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')
  w.child.kill('SIGTERM')
  await w.waitForOutput(/stopping: no new jobs, finishing active ones/)
  t.equal((await statusOf(app, id)).json().task_status, 'STARTED', 'the job is still running while the worker stops')
  await gate.open()
  t.same(await w.exited, { code: 0, signal: null })
  t.equal((await waitForStatus(app, id, 'SUCCESS')).task_status, 'SUCCESS')
  t.equal(await activeJobs(), 0, 'nothing left active')
})

t.test('SIGTERM during a job longer than the shutdown timeout: the job is handed back and retried elsewhere', async (t) => {
  const slow = worker(t, { ICAL_DELAY_MS: '600000', SHUTDOWN_TIMEOUT_MS: '1000' })
  await slow.waitForOutput(/calendar worker ready/)
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')
  slow.child.kill('SIGTERM')
  t.same(await slow.exited, { code: 0, signal: null })
  t.equal(await activeJobs(), 0, 'not stranded in active')
  const handedBack = await waitForStatus(app, id, 'RETRY')
  t.match(handedBack.error, /shut down|abort/i)
  const fast = worker(t)
  const done = await waitForStatus(app, id, 'SUCCESS')
  t.equal(done.retry_count, 1, 'ran a second time, on the other worker')
  fast.child.kill('SIGTERM')
  await fast.exited
})

t.test('several workers at once: every job done, each exactly once', async (t) => {
  const workers = [worker(t, { WORKER_CONCURRENCY: '2' }), worker(t, { WORKER_CONCURRENCY: '2' }), worker(t, { WORKER_BATCH_SIZE: '1' })]
  await Promise.all(workers.map((w) => w.waitForOutput(/calendar worker ready/, 60_000)))
  const ids = await Promise.all(Array.from({ length: 60 }, async () => (await createTask(app)).task_id))
  const statuses = await Promise.all(ids.map((id) => waitForStatus(app, id, 'SUCCESS')))
  t.ok(statuses.every((s) => s.retry_count === 0), 'no job needed a second run')
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendars where task_id = any(${ids}::uuid[])`.execute(app.db)
  t.equal(rows[0]!.n, ids.length, 'one calendar per job')
  for (const w of workers) w.child.kill('SIGTERM')
  for (const w of workers) t.same(await w.exited, { code: 0, signal: null })
})

t.test('without DATABASE_URL and no running API, the worker says what to do and exits 1', async (t) => {
  const dir = t.testdir({})
  const w = runEntryPoint(t, 'src/worker.ts', { EMBEDDED_PG_DATA_DIR: `${dir}/postgres` })
  t.same(await w.exited, { code: 1, signal: null })
  t.match(w.output(), /Start the API first \(npm start\), or set DATABASE_URL/)
})

t.test('invalid configuration stops the worker with a message naming the variable', async (t) => {
  const w = worker(t, { WORKER_CONCURRENCY: 'lots' })
  t.same(await w.exited, { code: 1, signal: null })
  t.match(w.output(), /WORKER_CONCURRENCY="lots": Expected integer/)
})

t.test('MIGRATE_ON_START=false on a database nobody migrated: the worker says to migrate and exits 1', async (t) => {
  const fresh = await createTestDatabase('unmigrated', { empty: true })
  t.teardown(() => fresh.drop())
  const w = runEntryPoint(t, 'src/worker.ts', { DATABASE_URL: fresh.url, MIGRATE_ON_START: 'false' })
  t.same(await w.exited, { code: 1, signal: null })
  t.match(w.output(), /has not been migrated \(pending: 0001_create_todos.*\): run `npm run migrate`/)
})
