// 3. Big calendars: one job over N todos (100,000, titles and descriptions near their limits), in a worker process: how long the job runs
// and the worker's peak RSS; then the download through the API, and how much the API's memory
// grows while serving it. Baseline in the same run: ical-generator building the whole calendar
// in memory in one process (bench/baseline/whole-calendar.ts).
import { once } from 'node:events'
import { readFileSync } from 'node:fs'
import type { Benchmark } from './context.ts'
import { sql } from './lib/database.ts'
import { startApi, startProcess } from './lib/processes.ts'
import type { Result } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024

export const bigCalendar: Benchmark = async ({ server, smoke, log }) => {
  const count = smoke ? 2000 : 100_000
  const db = await server.createDatabase('big')
  const api = await startApi(db.url, { WORKER_MODE: 'off' })
  await seedTodos(db.url, count, { full: true })
  const [{ events: expected }] = await sql(db.url, 'select count(*)::int as events from todos where deadline_at is not null')

  log(`big calendar: one job over ${count} todos (${expected} with deadlines)`)
  const worker = startProcess('src/worker.ts', { DATABASE_URL: db.url })
  await worker.waitFor(/calendar worker ready/)
  const { task_url: url } = await (await fetch(`${api.base}/todos/ical`, { method: 'POST' })).json() as { task_url: string }
  const status = await (await fetch(`${url}?wait=30`)).json() as any
  if (status.task_status !== 'SUCCESS' || status.result.events !== expected) throw new Error(`big job: ${JSON.stringify(status)}`)
  const jobSeconds = (Date.parse(status.finished_at) - Date.parse(status.started_at)) / 1000
  const workerPeak = worker.peakRssMb()!
  await worker.stop()

  log('big calendar: download through the API')
  const apiPid = api.child.pid!
  const apiBefore = rssMb(apiPid)
  const began = performance.now()
  const res = await fetch(status.result_url)
  let bytes = 0
  let apiDuring = apiBefore
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    bytes += chunk.length
    apiDuring = Math.max(apiDuring, rssMb(apiPid))
  }
  const downloadSeconds = (performance.now() - began) / 1000
  if (bytes !== status.result.bytes) throw new Error(`downloaded ${bytes} of ${status.result.bytes} bytes`)
  const [{ stored }] = await sql(db.url, 'select sum(pg_column_size(data))::int as stored from calendar_chunks where task_id = $1', [status.task_id])
  await api.stop()

  log('big calendar: baseline, the whole calendar in memory')
  const whole = startProcess('bench/baseline/whole-calendar.ts', {}, [db.url])
  const [code] = await once(whole.child, 'exit') as [number]
  if (code !== 0) throw new Error(`baseline failed:\n${whole.output()}`)
  const baseline = JSON.parse(whole.output().trim().split('\n').pop()!) as { seconds: number, peakRssMb: number, bytes: number }
  const label = 'whole calendar in memory'
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`
  const results: Result[] = [
    { benchmark: `big calendar (${expected.toLocaleString('en-US')} events)`, metric: 'job time', value: jobSeconds, unit: 's', baseline: { label, value: baseline.seconds }, target: '<= 3' },
    { benchmark: `big calendar (${expected.toLocaleString('en-US')} events)`, metric: 'worker peak RSS', value: workerPeak, unit: 'MB', baseline: { label, value: baseline.peakRssMb }, target: '<= 300' },
    {
      benchmark: `big calendar (${expected.toLocaleString('en-US')} events)`,
      metric: 'download: API RSS growth',
      value: apiDuring - apiBefore,
      unit: 'MB',
      note: `${mb(bytes)} .ics (${mb(stored)} stored, compressed by Postgres) downloaded in ${downloadSeconds.toFixed(2)} s`
    }
  ]
  return results
}
