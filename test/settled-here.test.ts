// An API with an inline worker wakes its own `?wait=` requests the moment its worker's completion
// commits, without the settled-job trigger's NOTIFY coming back through the database, and hands
// them the job as committed (src/calendar/job.ts); requests waiting in other processes still wake
// by that NOTIFY and read the job.
import t from 'tap'
import pg from 'pg'
import { buildTestApp } from './helpers/app.ts'
import { closeTodosGate } from './helpers/gate.ts'
import { createTask, statusOf, waitForStatus } from './helpers/tasks.ts'
import { waitFor } from './helpers/wait.ts'

const { app: worker, database } = await buildTestApp(t, { WORKER_MODE: 'inline' })
const { app: apiOnly } = await buildTestApp(t, { WORKER_MODE: 'off' }, database)
await worker.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'lecture', deadline_at: '2023-02-27T00:00:00' } })

async function settledTrigger (enabled: boolean): Promise<void> {
  const client = new pg.Client({ connectionString: database.url })
  await client.connect()
  await client.query(`alter table pgboss.job ${enabled ? 'enable' : 'disable'} trigger taskoverflow_ical_settled`)
  await client.end()
}

/** A task that has started and waits at the gate, a ?wait=30 request on `app` for it, and the gate. */
async function waitingOnStartedTask (app: typeof worker) {
  const gate = await closeTodosGate(database.url)
  t.teardown(() => gate.open())
  const { task_id: id } = await createTask(worker)
  await waitForStatus(worker, id, 'STARTED')
  const before = app.jobSettled.waiting
  let answer: any
  const request = statusOf(app, id, '?wait=30').then((res) => { answer = res.json() })
  await waitFor(() => app.jobSettled.waiting === before + 1, 'the request waits for its task', { timeoutMs: 5000 })
  return { id, gate, request, answered: () => answer }
}

t.test('the inline worker wakes the waiters of its own process itself', async (t) => {
  // Without the trigger, nothing in the database tells anyone that the job settled.
  await settledTrigger(false)
  t.teardown(() => settledTrigger(true))
  const { id, gate, request, answered } = await waitingOnStartedTask(worker)
  await gate.open()
  // Far sooner than the request's 30 s: only the worker's own wake-up can have ended the wait.
  await waitFor(() => answered() !== undefined, 'answered by the worker\'s own wake-up', { timeoutMs: 10_000 })
  await request
  t.equal(answered().task_id, id)
  t.equal(answered().task_status, 'SUCCESS')
  t.equal(answered().result.events, 1)
  // The job handed over is the job as stored: a read of it now answers the very same body.
  t.same(answered(), (await statusOf(worker, id)).json(), 'the same status as read from the job table, finished_at included')
})

t.test('a request waiting in another process is woken by the NOTIFY', async (t) => {
  const { id, gate, request, answered } = await waitingOnStartedTask(apiOnly)
  await gate.open()
  await waitFor(() => answered() !== undefined, 'answered when the other process\'s worker completed the task', { timeoutMs: 10_000 })
  await request
  t.equal(answered().task_id, id)
  t.equal(answered().task_status, 'SUCCESS')
})

t.test('a request that names the task in upper case is woken too', async (t) => {
  const gate = await closeTodosGate(database.url)
  t.teardown(() => gate.open())
  const { task_id: id } = await createTask(worker)
  await waitForStatus(worker, id, 'STARTED')
  let answer: any
  const before = apiOnly.jobSettled.waiting
  const request = statusOf(apiOnly, id.toUpperCase(), '?wait=30').then((res) => { answer = res.json() })
  await waitFor(() => apiOnly.jobSettled.waiting === before + 1, 'the request waits for its task', { timeoutMs: 5000 })
  await gate.open()
  await waitFor(() => answer !== undefined, 'answered when the task completed, not after 30 s', { timeoutMs: 10_000 })
  await request
  t.equal(answer.task_status, 'SUCCESS')
})

// A request for a task that this process queued, and that has not settled since, waits without
// reading it first (it could only find it unfinished); news of the settle ends that.
t.test('a task queued here: a request waits for it without reading first, and is woken when it completes elsewhere', async (t) => {
  const gate = await closeTodosGate(database.url)
  t.teardown(() => gate.open())
  const { task_id: id } = await createTask(apiOnly) // queued by the API without a worker
  t.ok(apiOnly.jobSettled.knownUnsettled(id), 'known unsettled where it was queued')
  t.notOk(worker.jobSettled.knownUnsettled(id), 'not in another process')
  await waitForStatus(apiOnly, id, 'STARTED') // the other process's worker runs it
  // Count this process's reads of the job from here on.
  const findJobs = apiOnly.boss.findJobs.bind(apiOnly.boss)
  let reads = 0
  apiOnly.boss.findJobs = ((queue: string, options?: { id?: string }) => {
    if (options?.id === id) reads++
    return findJobs(queue, options as never)
  }) as typeof apiOnly.boss.findJobs
  t.teardown(() => { apiOnly.boss.findJobs = findJobs })
  let answer: any
  const before = apiOnly.jobSettled.waiting
  const request = statusOf(apiOnly, id, '?wait=30').then((res) => { answer = res.json() })
  await waitFor(() => apiOnly.jobSettled.waiting === before + 1, 'the request waits for its task', { timeoutMs: 5000 })
  t.equal(reads, 0, 'waiting without having read the task')
  await gate.open()
  await waitFor(() => answer !== undefined, 'answered when the task completed, not after 30 s', { timeoutMs: 10_000 })
  await request
  t.equal(answer.task_status, 'SUCCESS')
  t.equal(reads, 1, 'read once, when news of its settle came')
  t.notOk(apiOnly.jobSettled.knownUnsettled(id), 'no longer once it settled')
})

t.test('a task queued here that completed before the request came is answered at once', async (t) => {
  const { task_id: id } = await createTask(apiOnly)
  // Its NOTIFY has reached this process: the request must read it, not wait for news already past.
  await waitFor(() => !apiOnly.jobSettled.knownUnsettled(id), 'the settle was heard', { timeoutMs: 10_000 })
  let answer: any
  const request = statusOf(apiOnly, id, '?wait=30').then((res) => { answer = res.json() })
  await waitFor(() => answer !== undefined, 'answered at once, not after 30 s', { timeoutMs: 5000 })
  await request
  t.equal(answer.task_status, 'SUCCESS')
})
