// ?wait= without LISTEN (QUEUE_LISTEN_NOTIFY=false, as behind PgBouncer in transaction mode):
// the API polls the job table for the jobs someone waits for, one query per tick for all of them.
import t from 'tap'
import { sql } from 'kysely'
import { JobSettledPoller } from '../src/queue/job-settled-poller.ts'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import { buildTestApp } from './helpers/app.ts'
import { createTask, statusOf } from './helpers/tasks.ts'
import { waitFor } from './helpers/wait.ts'

// The API alone, no worker: the tests settle the jobs themselves.
const { app } = await buildTestApp(t, { WORKER_MODE: 'off', QUEUE_LISTEN_NOTIFY: 'false' })

t.test('with LISTEN/NOTIFY off, ?wait= is served by the poller', async (t) => {
  t.ok(app.jobSettled instanceof JobSettledPoller)
  t.ok(app.jobSettled.listening, 'ready to wait')
})

t.test('a job settled by anyone (a plain UPDATE) wakes its waiter at the next poll', async (t) => {
  const { task_id: id } = await createTask(app)
  const begun = Date.now()
  const waiting = statusOf(app, id, '?wait=30')
  await waitFor(() => app.jobSettled.waiting === 1, 'the request waits')
  // Nothing NOTIFYs the poller: it has to find the new state itself.
  await sql`update pgboss.job set state = 'cancelled', completed_on = now() where id = ${id}::uuid`.execute(app.db)
  t.equal((await waiting).json().task_status, 'REVOKED')
  t.ok(Date.now() - begun < 15_000, 'answered long before the 30 s wait ran out')
  t.equal(app.jobSettled.waiting, 0, 'the waiter was released')
})

t.test('several waiters on several jobs: each wakes when its own job settles', async (t) => {
  const [a, b] = [await createTask(app), await createTask(app)]
  const waitingA = statusOf(app, a.task_id, '?wait=30')
  const waitingB1 = statusOf(app, b.task_id, '?wait=30')
  const waitingB2 = statusOf(app, b.task_id, '?wait=30')
  await waitFor(() => app.jobSettled.waiting === 3, 'three requests wait')
  await app.boss.cancel(ICAL_QUEUE, b.task_id)
  t.same([(await waitingB1).json().task_status, (await waitingB2).json().task_status], ['REVOKED', 'REVOKED'])
  t.equal(app.jobSettled.waiting, 1, 'the waiter on the other job still waits')
  // A job that disappears (deleted) wakes its waiter too; the request then answers 404.
  await sql`delete from pgboss.job where id = ${a.task_id}::uuid`.execute(app.db)
  t.equal((await waitingA).statusCode, 404)
  t.equal(app.jobSettled.waiting, 0)
})

t.test('?wait= gives up after N seconds with the current status', async (t) => {
  const { task_id: id } = await createTask(app)
  const begun = Date.now()
  const res = await statusOf(app, id, '?wait=1')
  t.equal(res.json().task_status, 'PENDING')
  t.ok(Date.now() - begun >= 1000, 'it did wait')
  t.equal(app.jobSettled.waiting, 0)
})
