// What the task history costs the job path: HTTP job latency (POST, then ?wait= until SUCCESS)
// of two identical APIs in the same run, one with the history triggers on pgboss.job and one
// with them disabled, measured in alternating rounds so load on the machine hits both alike.
import pg from 'pg'
import type { Benchmark } from './context.ts'
import { analyze } from './lib/database.ts'
import { requestJson } from './lib/http.ts'
import { startApi } from './lib/processes.ts'
import { summarize } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

async function sample (base: string): Promise<number> {
  const began = performance.now()
  const { task_url: url } = await requestJson<{ task_url: string }>('POST', `${base}/todos/ical`)
  const status = await requestJson<{ task_status: string }>('GET', `${url}?wait=30`)
  if (status.task_status !== 'SUCCESS') throw new Error(`job ended ${status.task_status}`)
  return performance.now() - began
}

export const historyCost: Benchmark = async ({ server, smoke, log }) => {
  const rounds = smoke ? 2 : 10
  const perRound = smoke ? 3 : 30
  const withDb = await server.createDatabase('history_on')
  const withoutDb = await server.createDatabase('history_off')
  const withHistory = await startApi(withDb.url)
  const without = await startApi(withoutDb.url)
  try {
    const client = new pg.Client({ connectionString: withoutDb.url })
    await client.connect()
    // Disabling on the partitioned table disables the clones on its partitions too.
    await client.query('alter table pgboss.job disable trigger taskoverflow_ical_history_insert; alter table pgboss.job disable trigger taskoverflow_ical_history_update')
    await client.end()
    await seedTodos(withDb.url, 10)
    await seedTodos(withoutDb.url, 10)
    for (const base of [withHistory.base, without.base]) for (let i = 0; i < 10; i++) await sample(base) // warm-up
    for (const url of [withDb.url, withoutDb.url]) await analyze(url) // the statistics of a running database
    log(`history cost: ${rounds} alternating rounds of ${perRound} jobs, with and without the history triggers`)
    const on: number[] = []
    const off: number[] = []
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < perRound; i++) on.push(await sample(withHistory.base))
      for (let i = 0; i < perRound; i++) off.push(await sample(without.base))
    }
    const a = summarize(on)
    const b = summarize(off)
    const label = 'same API, history triggers disabled'
    return [
      { benchmark: 'job latency with task history', metric: 'p50', value: a.p50, unit: 'ms', baseline: { label, value: b.p50 }, target: '<= 1.10x' },
      { benchmark: 'job latency with task history', metric: 'p95', value: a.p95, unit: 'ms', baseline: { label, value: b.p95 } }
    ]
  } finally {
    await withHistory.stop()
    await without.stop()
  }
}
