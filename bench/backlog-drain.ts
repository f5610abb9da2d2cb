// 3. Backlog drain, service against service: N calendar jobs queued while no worker runs, every
// one with filters of its own (window = 0, 1, 2, ...: the same 9 todos, but no two jobs of a batch
// can share a rendering), then one worker process started: ours (`npm run worker`) and the BullMQ
// peer's (bench/peers/bullmq-calendar/worker.ts) in alternating rounds, each timed from its first
// job started to its last one finished, by the queue's own timestamps.
import { setTimeout as sleep } from 'node:timers/promises'
import { PgBoss } from 'pg-boss'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import { loadConfig } from '../src/config.ts'
import type { Benchmark } from './context.ts'
import { sql } from './lib/database.ts'
import { startApi, startProcess } from './lib/processes.ts'
import { NO_REDIS, redisAnswers } from './lib/redis.ts'
import { alternate } from './lib/rounds.ts'
import { seedTodos } from './lib/seed.ts'
import { bullmqPeer, type BullmqPeer } from './peers/bullmq-calendar/control.ts'
import { summarize, type Result } from './lib/report.ts'

/** Distinct filters per job: every calendar is rendered on its own. */
const variedFilters = (from: number, count: number) => Array.from({ length: count }, (_, j) => ({ filters: { window: from + j } }))

async function drainOurs (url: string, count: number): Promise<number> {
  const boss = new PgBoss({ connectionString: url, supervise: false, schedule: false })
  boss.on('error', () => {})
  await boss.start()
  for (let i = 0; i < count; i += 1000) await boss.insert(ICAL_QUEUE, variedFilters(i, Math.min(1000, count - i)).map((data) => ({ data })))
  await boss.stop({ graceful: false })
  const since = new Date()
  const worker = startProcess('src/worker.ts', { DATABASE_URL: url, LOG_LEVEL: 'warn' })
  const pending = async () => (await sql(url, "select count(*)::int as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')", [ICAL_QUEUE]))[0].n
  while (await pending() > 0) await sleep(100)
  await worker.stop()
  const [row] = await sql(url, `
    select count(*) filter (where state = 'completed')::int as jobs, count(*) filter (where state = 'failed')::int as failed,
           extract(epoch from max(completed_on) - min(started_on))::float8 as seconds
    from pgboss.job where name = $1 and completed_on >= $2`, [ICAL_QUEUE, since])
  if (row.failed > 0 || row.jobs !== count) throw new Error(`drain (ours): ${row.jobs} completed, ${row.failed} failed of ${count}`)
  return row.jobs / row.seconds
}

async function drainPeer (peer: BullmqPeer, url: string, count: number): Promise<number> {
  await peer.clear()
  for (let i = 0; i < count; i += 1000) await peer.queue.addBulk(variedFilters(i, Math.min(1000, count - i)).map((data) => ({ name: 'ical', data })))
  const worker = peer.startWorker(url)
  while (await peer.queue.getJobCountByTypes('wait', 'active', 'delayed', 'prioritized') > 0) await sleep(100)
  await worker.stop()
  const { jobs, failed, jobsPerSecond } = await peer.drainRate()
  if (failed > 0 || jobs !== count) throw new Error(`drain (BullMQ): ${jobs} completed, ${failed} failed of ${count}`)
  return jobsPerSecond
}

export const backlogDrain: Benchmark = async ({ server, smoke, log }) => {
  const count = smoke ? 100 : Number(process.env.BENCH_DRAIN_JOBS ?? 5000)
  const rounds = smoke ? 1 : Number(process.env.BENCH_DRAIN_ROUNDS ?? 3)
  const db = await server.createDatabase('drain')
  const api = await startApi(db.url, { WORKER_MODE: 'off' }) // migrations and queues, then out of the way
  await api.stop()
  await seedTodos(db.url, 10)
  const peer = await redisAnswers() ? bullmqPeer() : undefined
  if (!peer) log(NO_REDIS)
  const names = peer ? ['ours', 'BullMQ'] : ['ours']
  try {
    log(`backlog drain: ${rounds} alternating round(s) of ${count} jobs with distinct filters, one worker process (${names.join(', ')})`)
    const rates = await alternate(names, rounds, async (name, round) => {
      const rate = name === 'ours' ? await drainOurs(db.url, count) : await drainPeer(peer!, db.url, count)
      log(`backlog drain: round ${round + 1}, ${name}: ${rate.toFixed(0)} jobs/s`)
      return rate
    })
    // The worker process's configuration: the defaults, or what this environment sets.
    const defaults = loadConfig(process.env)
    const benchmark = `backlog drain (${count} calendars, distinct filters)`
    const ours = summarize(rates.get('ours')!).p50
    const note = `median of ${rounds} round(s)`
    if (!peer) return [{ benchmark, metric: 'one worker process', value: ours, unit: 'jobs/s', note: `${note}; ${NO_REDIS}` }]
    const result: Result = {
      benchmark,
      metric: 'one worker process',
      value: ours,
      unit: 'jobs/s',
      baseline: { label: 'the same jobs on BullMQ + Redis, one worker process', value: summarize(rates.get('BullMQ')!).p50 },
      target: '>= 1.5 of peer',
      note: `${note}; ours: batches of ${defaults.worker.batchSize} x ${defaults.worker.concurrency} loops, BullMQ: concurrency ${process.env.BENCH_BULLMQ_CONCURRENCY ?? 100}`
    }
    return [result]
  } finally {
    await peer?.close()
  }
}
