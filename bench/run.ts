// `npm run bench [-- <name> ...] [-- --smoke]`: run the benchmarks (all, or the named ones)
// against a real PostgreSQL, print a Markdown table with each figure beside its same-run
// baseline, and write the results as JSON to bench/results/.
import { mkdir, writeFile } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { acceptRate } from './accept-rate.ts'
import { apiThroughput } from './api-throughput.ts'
import { backlogDrain } from './backlog-drain.ts'
import { bigCalendar } from './big-calendar.ts'
import type { Benchmark } from './context.ts'
import { historyCost } from './history-cost.ts'
import { jobLatency } from './job-latency.ts'
import { startBenchServer } from './lib/database.ts'
import { root } from './lib/processes.ts'
import { table, type Result } from './lib/report.ts'
import { sseFanout } from './sse-fanout.ts'
import { startup } from './startup.ts'

const benchmarks: Record<string, Benchmark> = {
  'job-latency': jobLatency,
  'backlog-drain': backlogDrain,
  'big-calendar': bigCalendar,
  'api-throughput': apiThroughput,
  'accept-rate': acceptRate,
  startup,
  'history-cost': historyCost,
  'sse-fanout': sseFanout
}

const args = process.argv.slice(2)
const smoke = args.includes('--smoke')
const names = args.filter((a) => !a.startsWith('--'))
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
const dir = path.join(root, 'bench', 'results')
await mkdir(dir, { recursive: true })
const report = JSON.stringify({ date: new Date().toISOString(), smoke, machine, results }, null, 2)
const file = path.join(dir, `${smoke ? 'smoke-' : ''}${new Date().toISOString().replace(/[:.]/g, '-')}.json`)
await writeFile(file, report)
await writeFile(path.join(dir, smoke ? 'smoke-latest.json' : 'latest.json'), report)
log(`results written to ${path.relative(root, file)}`)
