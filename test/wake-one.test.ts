// A queued job wakes ONE idle worker of its queue, not every one (src/queue/wake-one.ts): with
// four worker loops, pg-boss's own listener made all four fetch for each job. Each loop's last
// fetch time (pg-boss's getWipData) tells which loops fetched. Polling is set to 10 minutes, so
// only a wake-up can explain a fetch within the test.
import t from 'tap'
import { startCalendarConsumers } from '../src/calendar/consumers.ts'
import { calendarQueues, ICAL_QUEUE, type IcalJobData } from '../src/calendar/queue.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { oneTripTransactions } from '../src/db/one-trip.ts'
import { createLogger } from '../src/logger.ts'
import { JobMetrics } from '../src/metrics/job-metrics.ts'
import { createMetricsRegistry } from '../src/metrics/registry.ts'
import { startBoss } from '../src/queue/boss.ts'
import { startTestQueue } from './helpers/queue.ts'
import { waitFor } from './helpers/wait.ts'

const { boss, database } = await startTestQueue(t)
const done: string[] = []
await boss.work<IcalJobData>(ICAL_QUEUE, { localConcurrency: 4, pollingIntervalSeconds: 600 }, async ([job]) => { done.push(job!.id) })
const loops = () => boss.getWipData().filter((w) => w.name === ICAL_QUEUE)
// Each loop fetches once as it starts; wait for that, so what follows is a wake-up's doing.
await waitFor(() => loops().length === 4 && loops().every((w) => w.lastFetchedOn !== null), 'all four loops fetched once at start', { timeoutMs: 10_000 })

t.test('one job wakes one loop, and it runs at once', async (t) => {
  for (let round = 0; round < 3; round++) {
    const before = Date.now()
    const id = await boss.send(ICAL_QUEUE, { filters: {} }) as string
    await waitFor(() => done.includes(id), 'the job ran', { timeoutMs: 10_000 })
    const fetched = loops().filter((w) => (w.lastFetchedOn ?? 0) >= before)
    t.equal(fetched.length, 1, `round ${round + 1}: one loop fetched`)
  }
})

t.test('a job queued while every loop is busy runs once one is free', async (t) => {
  const release: Array<() => void> = []
  const busy: string[] = []
  await boss.offWork(ICAL_QUEUE)
  await boss.work<IcalJobData>(ICAL_QUEUE, { localConcurrency: 2, pollingIntervalSeconds: 600 }, async ([job]) => {
    busy.push(job!.id)
    if (busy.length <= 2) await new Promise<void>((resolve) => release.push(resolve))
    done.push(job!.id)
  })
  const first = await Promise.all([boss.send(ICAL_QUEUE, { filters: {} }), boss.send(ICAL_QUEUE, { filters: {} })])
  await waitFor(() => busy.length === 2, 'both loops busy', { timeoutMs: 10_000 })
  const third = await boss.send(ICAL_QUEUE, { filters: {} }) as string
  for (const free of release) free()
  await waitFor(() => done.includes(third), 'the third job ran when a loop was free (not after the 10-minute poll)', { timeoutMs: 10_000 })
  t.ok(first.every((id) => done.includes(id as string)))
})

t.test('one NOTIFY for more jobs than a batch: a loop whose batch came back full wakes another', async (t) => {
  await boss.offWork(ICAL_QUEUE)
  // The calendar worker as `npm run worker` runs it: batches of 2, two loops, each job 2 s long.
  const env = { LOG_LEVEL: 'silent', WORKER_BATCH_SIZE: '2', WORKER_CONCURRENCY: '2', WORKER_POLL_SECONDS: '600', ICAL_DELAY_MS: '2000' }
  const config = withDatabaseUrl(loadConfig(env), database.url)
  const logger = createLogger('silent')
  const pool = createPool(config.database, 'wake-one-test')
  const db = createDatabase(pool)
  const worker = await startBoss(config, logger, 'worker', calendarQueues(config))
  t.teardown(async () => { await worker.stop({ graceful: false }); await db.destroy() })
  await startCalendarConsumers(worker, { db, oneTrip: oneTripTransactions(pool), config, logger, metrics: new JobMetrics(createMetricsRegistry()) })
  const loopsOf = () => worker.getWipData().filter((w) => w.name === ICAL_QUEUE)
  await waitFor(() => loopsOf().length === 2 && loopsOf().every((w) => w.lastFetchedOn !== null), 'both loops fetched once at start', { timeoutMs: 10_000 })

  // One INSERT, one NOTIFY, four jobs: one loop takes two, and the other must be woken for the rest.
  await boss.insert(ICAL_QUEUE, [1, 2, 3, 4].map(() => ({ data: { filters: {} } })))
  await waitFor(() => loopsOf().every((w) => w.count === 2), 'both loops hold a batch of two', { timeoutMs: 10_000 })
  t.pass('the four jobs run two by two on both loops, not four in a row on one')
})
