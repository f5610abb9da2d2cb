// GET /metrics, scraped and parsed as Prometheus would, before and after real jobs run: each
// metric moves by exactly what happened, in the process that is meant to count it (the API
// counts what it queued and revoked, the worker what it ran), and no task id becomes a label.
import Fastify from 'fastify'
import { pino } from 'pino'
import t, { type Test } from 'tap'
import { startCalendarConsumers } from '../src/calendar/consumers.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { oneTripTransactions } from '../src/db/one-trip.ts'
import { JobMetrics } from '../src/metrics/job-metrics.ts'
import { createMetricsRegistry, metricsRoute } from '../src/metrics/registry.ts'
import { startBoss } from '../src/queue/boss.ts'
import { ICAL_DEAD_LETTER_QUEUE, ICAL_QUEUE, calendarQueues } from '../src/calendar/queue.ts'
import { buildTestApp } from './helpers/app.ts'
import { labelValues, moved, sample, scrape, typeOf, type Scrape } from './helpers/metrics.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'
import { waitFor } from './helpers/wait.ts'

const env = { JOB_RETRY_LIMIT: '1', JOB_RETRY_DELAY_SECONDS: '0', WORKER_POLL_SECONDS: '0.5' }
// The API alone: what it counts is what it queued and revoked.
const { app, database } = await buildTestApp(t, { ...env, WORKER_MODE: 'off' })
const TITLE = 'metrics-secret-title'
await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: TITLE, deadline_at: '2030-01-01T00:00:00' } })

const ical = { queue: ICAL_QUEUE }
const state = (s: string) => ({ queue: ICAL_QUEUE, state: s })

/** A worker as `npm run worker` runs it, with its own registry served on a listener of its own, and its log lines kept. */
async function startWorker (t: Test, workerEnv: NodeJS.ProcessEnv = {}) {
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'debug', ...env, ...workerEnv }), database.url)
  const lines: Array<Record<string, any>> = []
  const logger = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line)) } })
  const registry = createMetricsRegistry()
  const listener = Fastify()
  metricsRoute(listener, registry)
  const pool = createPool(config.database, 'test-worker')
  const db = createDatabase(pool)
  const boss = await startBoss(config, logger, 'worker', calendarQueues(config))
  const before = await scrape(listener)
  await startCalendarConsumers(boss, { db, oneTrip: oneTripTransactions(pool), config, logger, metrics: new JobMetrics(registry) })
  t.teardown(async () => {
    await boss.stop({ graceful: true, timeout: 5000 })
    await db.destroy()
    await listener.close()
  })
  return { listener, lines, before, concurrency: config.worker.concurrency }
}

const cancel = (id: string) => app.inject({ method: 'DELETE', url: `/api/v1/todos/ical/${id}` })

t.test('success, failure after a retry, cancel: every metric moves by exactly that', async (t) => {
  const apiBefore = await scrape(app)
  t.ok(sample(apiBefore, 'process_cpu_user_seconds_total') !== undefined, "Node's process metrics are there")
  t.equal(sample(apiBefore, 'taskoverflow_tasks_queued_total', ical), 0, 'counters start at 0 before any event')
  t.same(['taskoverflow_tasks_queued_total', 'taskoverflow_tasks', 'http_request_duration_seconds'].map((n) => typeOf(apiBefore, n)), ['COUNTER', 'GAUGE', 'HISTOGRAM'])

  // Queued with no worker running: PENDING, and the oldest has been waiting.
  const done = await createTask(app)
  const revoked = await createTask(app)
  const queued = await scrape(app)
  t.equal(moved(apiBefore, queued, 'taskoverflow_tasks', state('PENDING')), 2)
  t.ok(sample(queued, 'taskoverflow_task_oldest_ready_age_seconds', ical)! > 0, 'the oldest PENDING task has waited')
  t.equal((await cancel(revoked.task_id)).statusCode, 200)
  t.equal((await cancel(revoked.task_id)).statusCode, 409, 'a second cancel revokes nothing more')
  // Data no worker accepts, queued by another producer (not through the API): fails, is retried once, fails for good.
  const failing = (await app.boss.send(ICAL_QUEUE, { filters: { bogus: true } }))!

  const worker = await startWorker(t)
  await waitForStatus(app, done.task_id, 'SUCCESS')
  await waitForStatus(app, failing, 'FAILURE')
  const apiAfter = await scrape(app)
  const workerAfter = await scrape(worker.listener)

  // The API: what it queued and revoked, and the queue as the database has it now.
  const api = (name: string, labels: Record<string, string>) => moved(apiBefore, apiAfter, name, labels)
  t.equal(api('taskoverflow_tasks_queued_total', ical), 2, 'queued: the two POSTs (the job sent around the API is not the API\'s)')
  t.equal(api('taskoverflow_tasks_finished_total', { ...ical, outcome: 'REVOKED' }), 1, 'REVOKED once, by the cancel that revoked it')
  t.equal(api('taskoverflow_tasks_finished_total', { ...ical, outcome: 'SUCCESS' }), 0, 'the API ran nothing')
  t.equal(api('taskoverflow_tasks_finished_total', { ...ical, outcome: 'FAILURE' }), 0)
  t.equal(api('taskoverflow_task_retries_total', ical), 0)
  t.same(['PENDING', 'STARTED', 'RETRY', 'FAILURE'].map((s) => api('taskoverflow_tasks', state(s))), [0, 0, 0, 1], 'tasks per state: one more FAILURE')
  t.equal(api('taskoverflow_tasks', { queue: ICAL_DEAD_LETTER_QUEUE, state: 'PENDING' }), 1, 'its copy waits in the dead-letter queue')
  t.equal(sample(apiAfter, 'taskoverflow_task_oldest_ready_age_seconds', ical), 0, 'nothing is waiting')
  t.equal(api('http_request_duration_seconds', { method: 'POST', route: '/api/v1/todos/ical', status_code: '202' }), 2)
  t.equal(api('http_request_duration_seconds', { method: 'DELETE', route: '/api/v1/todos/ical/:task_id', status_code: '200' }), 1)
  t.equal(api('http_request_duration_seconds', { method: 'DELETE', route: '/api/v1/todos/ical/:task_id', status_code: '409' }), 1)

  // The worker: what it ran. Three attempts: the success, and the failing job twice.
  const ran = (name: string, labels: Record<string, string>) => moved(worker.before, workerAfter!, name, labels)
  t.equal(ran('taskoverflow_tasks_finished_total', { ...ical, outcome: 'SUCCESS' }), 1)
  t.equal(ran('taskoverflow_tasks_finished_total', { ...ical, outcome: 'FAILURE' }), 1)
  t.equal(ran('taskoverflow_tasks_finished_total', { ...ical, outcome: 'REVOKED' }), 0, 'the revoked task never ran')
  t.equal(ran('taskoverflow_task_retries_total', ical), 1)
  t.equal(ran('taskoverflow_task_wait_seconds', ical), 3, 'wait: one per attempt')
  t.equal(ran('taskoverflow_task_run_seconds', ical), 3, 'run: one per attempt')
  t.equal(ran('taskoverflow_task_end_to_end_seconds', { ...ical, outcome: 'SUCCESS' }), 1)
  t.equal(ran('taskoverflow_task_end_to_end_seconds', { ...ical, outcome: 'FAILURE' }), 1)
  t.equal(ran('taskoverflow_tasks_queued_total', ical), 0, 'the worker queued nothing')
  t.equal(sample(workerAfter, 'taskoverflow_worker_busy_slots', ical), 0)
  t.same(['wait', 'run', 'end_to_end'].map((n) => typeOf(workerAfter, `taskoverflow_task_${n}_seconds`)), ['HISTOGRAM', 'HISTOGRAM', 'HISTOGRAM'])
  t.equal(sample(workerAfter, 'taskoverflow_worker_slots', ical), worker.concurrency)
  t.equal(sample(workerAfter, 'taskoverflow_tasks', state('PENDING')), undefined, 'database gauges are the API\'s, not every worker\'s')

  // No task id and no user data in any label.
  const ids = [done.task_id, revoked.task_id, failing]
  for (const s of [apiAfter, workerAfter]) {
    t.notOk(labelValues(s).some((v) => ids.some((id) => v.includes(id)) || v.includes(TITLE)), 'no task id or title in a label')
  }

  // Every line the worker wrote about a job names the task and the attempt.
  const about = (id: string) => worker.lines.filter((l) => l.taskId === id).map((l) => `${l.attempt} ${l.msg}`)
  t.same(about(done.task_id), ['1 calendar job started', '1 calendar job done'])
  t.same(about(failing), ['1 calendar job started', '1 calendar job failed', '2 calendar job started', '2 calendar job failed'])
})

t.test('a task cancelled while it runs: STARTED and a busy slot meanwhile, counted once, as REVOKED', async (t) => {
  const worker = await startWorker(t, { ICAL_DELAY_MS: '60000' })
  const apiBefore = await scrape(app)
  const task = await createTask(app)
  await waitForStatus(app, task.task_id, 'STARTED')
  t.equal(moved(apiBefore, await scrape(app), 'taskoverflow_tasks', state('STARTED')), 1)
  t.equal(sample(await scrape(worker.listener), 'taskoverflow_worker_busy_slots', ical), 1)

  t.equal((await cancel(task.task_id)).statusCode, 200)
  // The worker learns of the cancel at its next heartbeat and gives the slot back.
  let workerAfter: Scrape | undefined
  await waitFor(async () => {
    workerAfter = await scrape(worker.listener)
    return sample(workerAfter, 'taskoverflow_worker_busy_slots', ical) === 0
  }, 'the worker lets go of the cancelled task', { timeoutMs: 30_000, everyMs: 50 })
  const apiAfter = await scrape(app)
  t.equal(moved(apiBefore, apiAfter, 'taskoverflow_tasks_finished_total', { ...ical, outcome: 'REVOKED' }), 1)
  t.equal(moved(apiBefore, apiAfter, 'taskoverflow_tasks', state('STARTED')), 0)
  for (const outcome of ['SUCCESS', 'FAILURE', 'REVOKED']) {
    t.equal(moved(worker.before, workerAfter!, 'taskoverflow_tasks_finished_total', { ...ical, outcome }), 0, `the worker counts no ${outcome}`)
  }
  t.equal(moved(worker.before, workerAfter!, 'taskoverflow_task_retries_total', ical), 0)
  t.equal(moved(worker.before, workerAfter!, 'taskoverflow_task_wait_seconds', ical), 1, 'it did start')
  t.equal(moved(worker.before, workerAfter!, 'taskoverflow_task_run_seconds', ical), 0, 'its run landed nowhere')
  t.ok(worker.lines.some((l) => l.taskId === task.task_id && l.attempt === 1 && l.msg === 'calendar job stopped: cancelled, or handed back'))
})
