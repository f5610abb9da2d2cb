// 2. Backlog drain: N calendar jobs (10 todos each) queued while no worker runs, then 1, 2 and 4
// worker processes (`npm run worker`) started: jobs per second from the first job started to the
// last one completed, read from pg-boss's own timestamps. Baseline in the same run: one worker
// with pg-boss's default fetching, for a fixed window.
import { setTimeout as sleep } from 'node:timers/promises'
import { PgBoss } from 'pg-boss'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import type { Benchmark } from './context.ts'
import { PG_BOSS_DEFAULTS } from './job-latency.ts'
import { sql } from './lib/database.ts'
import { startApi, startProcess } from './lib/processes.ts'
import type { Result } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

async function enqueue (url: string, count: number): Promise<void> {
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false, registerInstance: false })
  boss.on('error', () => {})
  await boss.start()
  for (let i = 0; i < count; i += 1000) {
    const jobs = Array.from({ length: Math.min(1000, count - i) }, () => ({ data: { filters: {} } }))
    await boss.insert(ICAL_QUEUE, jobs)
  }
  await boss.stop({ graceful: false })
}

async function pending (url: string): Promise<number> {
  const [row] = await sql(url, "select count(*)::int as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')", [ICAL_QUEUE])
  return row.n
}

/** Jobs per second over the jobs finished since `since`: first started to last completed. */
async function drainRate (url: string, since: Date): Promise<{ jobs: number, seconds: number, failed: number }> {
  const [row] = await sql(url, `
    select count(*) filter (where state = 'completed')::int as jobs,
           count(*) filter (where state = 'failed')::int as failed,
           extract(epoch from max(completed_on) - min(started_on))::float8 as seconds
    from pgboss.job where name = $1 and completed_on >= $2`, [ICAL_QUEUE, since])
  return row
}

async function drainWith (url: string, workers: number, count: number, env: NodeJS.ProcessEnv = {}): Promise<number> {
  await enqueue(url, count)
  const since = new Date()
  const procs = Array.from({ length: workers }, () => startProcess('src/worker.ts', { DATABASE_URL: url, LOG_LEVEL: 'warn', ...env }))
  while (await pending(url) > 0) await sleep(100)
  await Promise.all(procs.map((p) => p.stop()))
  const { jobs, seconds, failed } = await drainRate(url, since)
  if (failed > 0 || jobs !== count) throw new Error(`drain: ${jobs} completed, ${failed} failed of ${count}`)
  return jobs / seconds
}

export const backlogDrain: Benchmark = async ({ server, smoke, log }) => {
  const count = smoke ? 200 : Number(process.env.BENCH_DRAIN_JOBS ?? 10_000)
  const db = await server.createDatabase('drain')
  const api = await startApi(db.url, { WORKER_MODE: 'off' }) // migrations and queues, then out of the way
  await api.stop()
  await seedTodos(db.url, 10)

  const results: Result[] = []
  const rates: Record<number, number> = {}
  for (const workers of smoke ? [1] : (process.env.BENCH_DRAIN_WORKERS ?? '1,2,4').split(',').map(Number)) {
    log(`backlog drain: ${count} jobs, ${workers} worker process(es)`)
    rates[workers] = await drainWith(db.url, workers, count)
  }

  if (process.env.BENCH_SKIP_BASELINE) return results.concat({ benchmark: `backlog drain (${count} jobs)`, metric: '1 worker process', value: rates[1]!, unit: 'jobs/s' })
  log('backlog drain: pg-boss defaults, one worker, 10 s window')
  const baseDb = await server.createDatabase('drain_default')
  const baseApi = await startApi(baseDb.url, { WORKER_MODE: 'off', ...PG_BOSS_DEFAULTS })
  await baseApi.stop()
  await seedTodos(baseDb.url, 10)
  await enqueue(baseDb.url, 100)
  const plain = startProcess('src/worker.ts', { DATABASE_URL: baseDb.url, ...PG_BOSS_DEFAULTS })
  await plain.waitFor(/calendar worker ready/)
  const since = new Date()
  await sleep(smoke ? 1500 : 10_000)
  await plain.stop()
  const [{ n }] = await sql(baseDb.url, 'select count(*)::int as n from pgboss.job where name = $1 and completed_on >= $2', [ICAL_QUEUE, since])
  const baseline = { label: 'pg-boss defaults, 1 worker', value: n / ((Date.now() - since.getTime()) / 1000) }

  results.push({ benchmark: `backlog drain (${count} jobs)`, metric: '1 worker process', value: rates[1]!, unit: 'jobs/s', baseline, target: '>= 1,000' })
  for (const workers of [2, 4]) {
    if (rates[workers] === undefined) continue
    results.push({
      benchmark: `backlog drain (${count} jobs)`,
      metric: `${workers} worker processes`,
      value: rates[workers]!,
      unit: 'jobs/s',
      baseline: { label: '1 worker process', value: rates[1]! },
      note: `scaling on ${(await import('node:os')).availableParallelism()} cores shared with Postgres`
    })
  }
  return results
}
