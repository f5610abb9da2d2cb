// Keeps the benchmark scripts working: every benchmark runs at tiny sizes and reports a figure
// beside its baseline. The figures of a smoke run mean nothing and are not checked: speed is
// measured with `npm run bench`, never asserted in tests.
import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { adminUrl } from './helpers/database.ts'

t.setTimeout(240_000) // the whole smoke run takes about a minute
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

t.test('npm run bench -- --smoke runs every benchmark and writes a table and JSON', async (t) => {
  const child = spawn(process.execPath, ['--experimental-strip-types', 'bench/run.ts', '--smoke'], {
    cwd: root,
    env: { ...process.env, BENCH_DATABASE_URL: adminUrl() },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => { stdout += c.toString() })
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve))
  t.equal(code, 0, stderr.slice(-3000))
  t.match(stdout, /\| benchmark \| metric \| ours \| baseline \(same run\) \| ours \/ baseline \|/)
  const report = JSON.parse(await readFile(path.join(root, 'bench', 'results', 'smoke-latest.json'), 'utf8'))
  t.equal(report.smoke, true)
  const benchmarks = new Set(report.results.map((r: { benchmark: string }) => r.benchmark.split(' (')[0]))
  t.same([...benchmarks].sort(), ['API throughput', 'SSE fan-out', 'accept rate', 'backlog drain', 'big calendar', 'job latency', 'job latency with task history', 'queue floor', 'start-up'])
  for (const result of report.results) {
    t.ok(Number.isFinite(result.value), `${result.benchmark} ${result.metric}: a number`)
    if (result.baseline) t.ok(Number.isFinite(result.baseline.value), `${result.benchmark} ${result.metric}: a baseline number`)
  }
})
