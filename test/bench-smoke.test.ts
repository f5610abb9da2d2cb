// Keeps the benchmark scripts working: every benchmark runs at tiny sizes and reports a figure,
// beside its peer where the peer can run (BullMQ's need Redis: without one they are skipped with
// a line saying so). The figures of a smoke run mean nothing and are not checked: speed is
// measured with `npm run bench`, never asserted in tests. The run writes its JSON into a temp dir
// removed afterwards, and nothing else anywhere (no dist/, no files in bench/results/ or /tmp).
import { spawn } from 'node:child_process'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { redisAnswers } from '../bench/lib/redis.ts'
import { adminUrl } from './helpers/database.ts'

// Tiny sizes: about 50 s of CPU in all (the benchmark and the processes it starts); the margin
// is for a machine shared with other work, where it has taken four minutes.
t.setTimeout(600_000)
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const tmpEntries = async () => new Set(await readdir(os.tmpdir()))

t.test('npm run bench -- --smoke runs every benchmark, prints the table and writes only the JSON it was asked for', async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-smoke-test-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const json = path.join(dir, 'results.json')
  const resultsBefore = await readdir(path.join(root, 'bench', 'results'))
  const tmpBefore = await tmpEntries()
  const child = spawn(process.execPath, ['--experimental-strip-types', 'bench/run.ts', '--smoke', '--json', json], {
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
  t.match(stdout, /\| benchmark \| metric \| ours \| peer \(same run\) \| ours \/ peer \| verdict \|/)

  const report = JSON.parse(await readFile(json, 'utf8'))
  t.equal(report.smoke, true)
  const benchmarks = new Set(report.results.map((r: { benchmark: string }) => r.benchmark.split(/ \(|:/)[0]))
  t.same([...benchmarks].sort(), ['API throughput', 'SSE fan-out', 'accept rate', 'backlog drain', 'big calendar', 'feed freshness', 'feed renders for a burst of edits', 'feed serving', 'job latency', 'job latency with task history', 'list memory', 'load test', 'metrics scrape', 'queue alone', 'storage growth'])
  for (const result of report.results) {
    t.ok(Number.isFinite(result.value), `${result.benchmark} ${result.metric}: a number`)
    if (result.baseline) t.ok(Number.isFinite(result.baseline.value), `${result.benchmark} ${result.metric}: a peer's number`)
  }
  const peers = report.results.map((r: { baseline?: { label: string } }) => r.baseline?.label ?? '').join('\n')
  t.match(peers, /graphile-worker/)
  t.match(peers, /bare Fastify \+ pg/)
  t.match(peers, /a bare Postgres queue \(hand-written SQL/, 'the queue floor')
  t.match(peers, /the floor: the same service on hand-written Postgres statements/, 'the job-latency floor')
  if (await redisAnswers()) t.match(peers, /BullMQ/)
  else t.match(stderr, /no Redis answers on .*: BullMQ peers skipped/)

  t.same(await readdir(path.join(root, 'bench', 'results')), resultsBefore, 'nothing new in bench/results/')
  t.notOk(await readdir(path.join(root, 'dist')).catch(() => undefined), 'no dist/')
  const left = [...await tmpEntries()].filter((name) => !tmpBefore.has(name) && /^taskoverflow-(bench|insert)-/.test(name))
  t.same(left, [], 'nothing of the run left in the temp dir')
})
