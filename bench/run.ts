// `npm run bench [-- <name> ...] [-- --smoke] [-- --json <file>]`: run the benchmarks (all, or
// the named ones) against a real PostgreSQL, print a Markdown table with each figure beside the
// peer measured in the same run, and write the results as JSON: a full run to
// bench/results/latest.json, a partial one to bench/results/<names>-<time>.json (not kept in git),
// a smoke run nowhere unless --json names a file (the smoke test gives one in its temp dir).
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { acceptRate } from './accept-rate.ts'
import { apiThroughput } from './api-throughput.ts'
import { backlogDrain } from './backlog-drain.ts'
import { bigCalendar } from './big-calendar.ts'
import { feeds } from './feeds.ts'
import type { Benchmark } from './context.ts'
import { historyCost } from './history-cost.ts'
import { jobLatency } from './job-latency.ts'
import { listMemory } from './list-memory.ts'
import { load } from './load.ts'
import { startBenchServer } from './lib/database.ts'
import { root } from './lib/processes.ts'
import { table, type Result } from './lib/report.ts'
import { metricsScrape } from './metrics-scrape.ts'
import { queueLevel } from './queue-level.ts'
import { sseFanout } from './sse-fanout.ts'
import { startup } from './startup.ts'
import { storageGrowth } from './storage-growth.ts'

const benchmarks: Record<string, Benchmark> = {
  queue: queueLevel,
  'job-latency': jobLatency,
  'backlog-drain': backlogDrain,
  'big-calendar': bigCalendar,
  'api-throughput': apiThroughput,
  'accept-rate': acceptRate,
  startup,
  'metrics-scrape': metricsScrape,
  'history-cost': historyCost,
  'sse-fanout': sseFanout,
  feeds,
  'storage-growth': storageGrowth,
  'list-memory': listMemory,
  load
}

const args = process.argv.slice(2)
const smoke = args.includes('--smoke')
const jsonAt = args.indexOf('--json')
const jsonFile = jsonAt >= 0 ? args[jsonAt + 1] : undefined
if (jsonAt >= 0 && !jsonFile) {
  console.error('--json needs a file name')
  process.exit(2)
}
const names = args.filter((a, i) => !a.startsWith('--') && (jsonAt < 0 || i !== jsonAt + 1))
const unknown = names.filter((n) => !(n in benchmarks))
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')}; choose from ${Object.keys(benchmarks).join(', ')}`)
  process.exit(2)
}
const selected = names.length > 0 ? names : Object.keys(benchmarks)
const log = (message: string) => console.error(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}`)

const server = await startBenchServer()
log(`PostgreSQL ${server.version}: ${server.description}${smoke ? ' (smoke run: tiny sizes, figures meaningless)' : ''}`)
const results: Result[] = []
try {
  for (const name of selected) results.push(...await benchmarks[name]!({ server, smoke, log }))
} catch (error) {
  log(`failed: ${(error as Error).stack ?? String(error)}`)
  process.exitCode = 1
} finally {
  await server.close()
}
if (process.exitCode === 1) process.exit(1)

const machine = {
  cpu: os.cpus()[0]?.model ?? 'unknown',
  cores: os.availableParallelism(),
  memoryGb: Math.round(os.totalmem() / 2 ** 30),
  node: process.version,
  postgres: `${server.version} (${server.description})`
}
console.log(`\nMachine: ${machine.cores} cores (${machine.cpu}), ${machine.memoryGb} GB, Node ${machine.node}, PostgreSQL ${machine.postgres}\n`)
console.log(table(results))
const report = JSON.stringify({ date: new Date().toISOString(), smoke, machine, results }, null, 2)
const stamp = new Date().toISOString().replace(/[:.]/g, '-')
const file = jsonFile ?? (smoke
  ? undefined
  : path.join(root, 'bench', 'results', names.length === 0 ? 'latest.json' : `${selected.join('+')}-${stamp}.json`))
if (file) {
  await mkdir(path.dirname(file), { recursive: true })
  await writeFile(file, report)
  log(`results written to ${path.relative(process.cwd(), file)}`)
}
