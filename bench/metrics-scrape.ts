// 7. Metrics scrape: GET /metrics on the API (WORKER_MODE=off) while the calendar queue retains
// 1,000,000 finished jobs (plus a small live backlog), inserted by Postgres itself. The queue
// gauges are read at scrape time from pg-boss's live-job index (src/metrics/queue-state.ts).
// Baseline in the same run: the plain way to get tasks per state, count(*) ... GROUP BY state
// over the queue's jobs, which reads every retained job.
import http from 'node:http'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { readQueueStates } from '../src/metrics/queue-state.ts'
import { ICAL_QUEUE, calendarQueues } from '../src/calendar/queue.ts'
import { loadConfig } from '../src/config.ts'
import type { Benchmark } from './context.ts'
import { startApi } from './lib/processes.ts'
import { summarize, type Result } from './lib/report.ts'

/** One keep-alive connection, as Prometheus keeps one to each target. */
function getText (agent: http.Agent, url: string): Promise<string> {
  return new Promise((resolve, reject) => {
    http.get(url, { agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => res.statusCode === 200 ? resolve(body) : reject(new Error(`${url}: ${res.statusCode} ${body}`)))
    }).on('error', reject)
  })
}

/** Finished jobs spread over the past week (the retention), and a live backlog in every other state. */
export async function seedJobs (url: string, finished: number): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    // Seeding only: no settle notification for each of a million rows (replica role skips triggers).
    await client.query('set session_replication_role = replica')
    const insert = (count: number, state: string, ago: string) => client.query(`
      insert into pgboss.job (name, data, state, created_on, start_after, started_on, completed_on, keep_until, output)
      select $1, '{"filters":{}}', '${state}',
             now() - ${ago}, now() - ${ago},
             case when '${state}' in ('created', 'retry') then null else now() - ${ago} + interval '5 ms' end,
             case when '${state}' in ('completed', 'cancelled', 'failed') then now() - ${ago} + interval '9 ms' end,
             now() + interval '14 days',
             case when '${state}' = 'completed' then '{"events":10,"bytes":4096}'::jsonb end
      from generate_series(1, $2::int) as i`, [ICAL_QUEUE, count])
    await insert(Math.round(finished * 0.97), 'completed', "(i * 600 || ' ms')::interval")
    await insert(Math.round(finished * 0.02), 'cancelled', "(i * 30 || ' s')::interval")
    await insert(Math.round(finished * 0.01), 'failed', "(i * 60 || ' s')::interval")
    await insert(1000, 'created', "(i || ' ms')::interval")
    await insert(50, 'retry', "(i || ' s')::interval")
    await insert(8, 'active', "(i || ' s')::interval")
    // What autovacuum would have done to a table that grew this way.
    await client.query('vacuum (analyze) pgboss.job')
  } finally {
    await client.end()
  }
}

async function timeMs (runs: number, fn: () => Promise<unknown>): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < runs; i++) {
    const began = performance.now()
    await fn()
    samples.push(performance.now() - began)
  }
  return samples
}

export const metricsScrape: Benchmark = async ({ server, smoke, log }) => {
  const finished = smoke ? 2000 : Number(process.env.BENCH_METRICS_FINISHED_JOBS ?? 1_000_000)
  const runs = smoke ? 5 : 200
  const db = await server.createDatabase('metrics')
  const api = await startApi(db.url, { WORKER_MODE: 'off' })
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 })
  try {
    log(`metrics scrape: seeding ${finished.toLocaleString('en-US')} finished jobs`)
    await seedJobs(db.url, finished)
    const metricsUrl = api.base.replace(/\/api\/v1$/, '/metrics')
    const first = await getText(agent, metricsUrl)
    if (!first.includes(`taskoverflow_tasks{queue="${ICAL_QUEUE}",state="PENDING"} 1000`)) throw new Error(`the scrape does not show the seeded backlog:\n${first.slice(0, 3000)}`)
    await timeMs(10, () => getText(agent, metricsUrl)) // warm: prepared statements, caches
    log(`metrics scrape: ${runs} scrapes of GET /metrics`)
    const scrapes = summarize(await timeMs(runs, () => getText(agent, metricsUrl)))

    // The database's part of a scrape: the statement behind the queue gauges, alone.
    const kysely = new Kysely<any>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: db.url, max: 1 }) }) })
    const queues = calendarQueues(loadConfig({})).map((q) => q.name)
    await timeMs(10, () => readQueueStates(kysely, queues))
    const query = summarize(await timeMs(runs, () => readQueueStates(kysely, queues)))
    await kysely.destroy()

    const baselineRuns = smoke ? 5 : 20
    log(`metrics scrape: baseline, ${baselineRuns} counts per state over the whole queue`)
    const client = new pg.Client({ connectionString: db.url })
    await client.connect()
    const plain = 'select state, count(*) from pgboss.job where name = $1 group by state'
    await timeMs(2, () => client.query(plain, [ICAL_QUEUE]))
    const baseline = summarize(await timeMs(baselineRuns, () => client.query(plain, [ICAL_QUEUE])))
    await client.end()

    const benchmark = `metrics scrape (${finished.toLocaleString('en-US')} finished jobs)`
    const label = 'count(*) per state, whole queue'
    return [
      { benchmark, metric: 'GET /metrics p50', value: scrapes.p50, unit: 'ms', baseline: { label, value: baseline.p50 }, target: '< 50' },
      { benchmark, metric: 'GET /metrics p95', value: scrapes.p95, unit: 'ms', baseline: { label, value: baseline.p95 }, target: '< 50' },
      { benchmark, metric: 'queue-state statement p50', value: query.p50, unit: 'ms', baseline: { label, value: baseline.p50 }, note: 'the database part of a scrape' }
    ] satisfies Result[]
  } finally {
    agent.destroy()
    await api.stop()
  }
}
