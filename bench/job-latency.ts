// 1. Job latency over HTTP: POST /todos/ical (10 todos) until its status is SUCCESS, waiting with
// ?wait= (no client polling), sequential samples. Baseline in the same run: the same API with
// pg-boss's default fetching (no LISTEN/NOTIFY, one job per 2 s poll). Floor: pg-boss alone,
// send -> completed with a no-op handler.
import { randomUUID } from 'node:crypto'
import type { PgBoss } from 'pg-boss'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { migrateDatabase } from '../src/startup.ts'
import { createLogger } from '../src/logger.ts'
import { startBoss } from '../src/queue/boss.ts'
import { JobSettledListener } from '../src/queue/job-settled.ts'
import { ICAL_QUEUE, ICAL_SETTLED_CHANNEL, calendarQueues } from '../src/calendar/queue.ts'
import type { Benchmark } from './context.ts'
import { requestJson } from './lib/http.ts'
import { startApi } from './lib/processes.ts'
import { summarize } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

/** pg-boss as it comes: polling every 2 s, one job per fetch. */
export const PG_BOSS_DEFAULTS = { QUEUE_LISTEN_NOTIFY: 'false', WORKER_BATCH_SIZE: '1', WORKER_CONCURRENCY: '1', WORKER_POLL_SECONDS: '2' }

async function httpSamples (base: string, count: number): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const began = performance.now()
    const { task_url: url } = await requestJson<{ task_url: string }>('POST', `${base}/todos/ical`)
    const status = await requestJson<{ task_status: string }>('GET', `${url}?wait=30`)
    if (status.task_status !== 'SUCCESS') throw new Error(`job ended ${status.task_status}`)
    samples.push(performance.now() - began)
  }
  return samples
}

export const jobLatency: Benchmark = async ({ server, smoke, log }) => {
  const count = smoke ? 5 : Number(process.env.BENCH_SAMPLES ?? 200)
  const baselineCount = smoke ? 2 : 20

  log(`job latency: ${count} sequential jobs, tuned`)
  const tunedDb = await server.createDatabase('latency')
  const tuned = await startApi(tunedDb.url)
  await seedTodos(tunedDb.url, 10)
  await httpSamples(tuned.base, 10) // warm-up: JIT, pools, prepared plans
  const ours = summarize(await httpSamples(tuned.base, count))
  await tuned.stop()

  if (process.env.BENCH_SKIP_BASELINE) return [{ benchmark: 'job latency', metric: 'p50', value: ours.p50, unit: 'ms', note: `p95 ${ours.p95.toFixed(1)}` }]
  log(`job latency: ${baselineCount} sequential jobs, pg-boss defaults`)
  const defaultDb = await server.createDatabase('latency_default')
  const plain = await startApi(defaultDb.url, PG_BOSS_DEFAULTS)
  await seedTodos(defaultDb.url, 10)
  const base = summarize(await httpSamples(plain.base, baselineCount))
  await plain.stop()

  log('job latency: pg-boss alone, no-op handler')
  const floor = summarize(await queueFloor((await server.createDatabase('latency_floor')).url, count))
  const label = 'pg-boss default polling'
  return [
    { benchmark: 'job latency (HTTP, 10 todos)', metric: 'p50', value: ours.p50, unit: 'ms', baseline: { label, value: base.p50 }, target: '<= 10' },
    { benchmark: 'job latency (HTTP, 10 todos)', metric: 'p95', value: ours.p95, unit: 'ms', baseline: { label, value: base.p95 }, target: '<= 25' },
    { benchmark: 'queue floor (pg-boss alone)', metric: 'p50 send -> completed', value: floor.p50, unit: 'ms', note: `p95 ${floor.p95.toFixed(1)} ms` }
  ]
}

/** send -> completed for a no-op job on a tuned pg-boss, completion seen through the same NOTIFY trigger. */
async function queueFloor (url: string, count: number): Promise<number[]> {
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), url)
  const db = createDatabase(createPool(config.database, 'bench-floor'))
  await migrateDatabase(config, createLogger('silent'))
  const boss: PgBoss = await startBoss(config, createLogger('silent'), 'worker', calendarQueues(config))
  await boss.work(ICAL_QUEUE, { batchSize: 10, burstWhenBatchFull: true, notifyPollingIntervalSeconds: 2 }, async () => {})
  const settled = await JobSettledListener.start(boss.getDb(), ICAL_SETTLED_CHANNEL)
  const samples: number[] = []
  for (let i = 0; i < count + 10; i++) {
    // Listen for the job's id before it exists, so its completion cannot slip by.
    const id = randomUUID()
    const done = settled.settled(id, { timeoutMs: 10_000 })
    const began = performance.now()
    await boss.send(ICAL_QUEUE, { filters: {} }, { id })
    await done
    if (i >= 10) samples.push(performance.now() - began)
  }
  await settled.close()
  await boss.stop({ graceful: false })
  await db.destroy()
  return samples
}
