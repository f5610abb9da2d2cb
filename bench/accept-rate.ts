// 5. Accept rate: POST /todos/ical per second with 50 connections (each one an INSERT into
// pg-boss's job table), next to the database's raw single-row INSERT rate measured by pgbench
// with 50 clients in the same run.
import { spawnSync } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import autocannon from 'autocannon'
import type { Benchmark } from './context.ts'
import { sql } from './lib/database.ts'
import { startApi } from './lib/processes.ts'

export const acceptRate: Benchmark = async ({ server, smoke, log }) => {
  const seconds = smoke ? 1 : 10
  const db = await server.createDatabase('accept')
  const api = await startApi(db.url, { WORKER_MODE: 'off', LOG_LEVEL: 'info' }, { quietStdout: true })
  log('accept rate: POST /todos/ical, 50 connections')
  if (!smoke) await autocannon({ url: `${api.base}/todos/ical`, method: 'POST', connections: 50, duration: 1 }) // warm-up
  const result = await autocannon({ url: `${api.base}/todos/ical`, method: 'POST', connections: 50, duration: seconds })
  await api.stop()
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`accept rate: ${result.non2xx} non-2xx, ${result.errors} errors`)

  log('accept rate: pgbench, single-row INSERTs, 50 clients')
  await sql(db.url, 'create table bench_insert (id bigserial primary key, data jsonb not null, created_on timestamptz not null default now())')
  const script = path.join(os.tmpdir(), `taskoverflow-insert-${process.pid}.sql`)
  await writeFile(script, 'insert into bench_insert (data) values (\'{"filters": {}}\');\n')
  const pgbench = spawnSync('pgbench', ['-n', '-c', '50', '-j', '2', '-T', String(seconds), '-f', script, db.url], { encoding: 'utf8' })
  const tps = Number(/tps = ([\d.]+)/.exec(pgbench.stdout ?? '')?.[1])
  return [{
    benchmark: 'accept rate (50 connections)',
    metric: 'POST /todos/ical',
    value: result.requests.average,
    unit: 'req/s',
    ...(Number.isFinite(tps) ? { baseline: { label: 'pgbench single-row INSERT', value: tps } } : { note: `pgbench unavailable: ${pgbench.error?.message ?? pgbench.stderr}` })
  }]
}
