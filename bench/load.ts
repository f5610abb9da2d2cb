// The load test (issue 16): two API processes (WORKER_MODE=off) and two standalone workers, real
// processes on one database, driven for a bounded time by many concurrent clients with a mix of
// todo CRUD, keyset pages and full listings, calendar jobs followed with `?wait=` and event long
// polls. Then it checks what the service promises: no 5xx, every accepted job SUCCESS, every todo
// created (and not deleted) readable with what was written, and each process's memory back near
// where it started. A failed check fails the run (except a smoke run, whose sizes mean nothing).
// `npm run bench -- load [--load-seconds=30] [--load-clients=50]` (or BENCH_LOAD_SECONDS / _CLIENTS).
import type { Benchmark } from './context.ts'
import { send, type LoadResponse } from './lib/load-client.ts'
import { freePort, startApi, startProcess, waitForHttp, type Proc } from './lib/processes.ts'
import { rssMb, sampleMaxRss } from './lib/rss.ts'
import { summarize, type Result } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

const flag = (name: string, env: string, fallback: number) => {
  const arg = process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1]
  const value = Number(arg ?? process.env[env] ?? fallback)
  if (!Number.isInteger(value) || value < 1) throw new Error(`--${name} must be a positive whole number`)
  return value
}

interface Tally {
  statuses: Map<number, number>
  serverErrors: string[]
  wrong: string[]
  latencies: Map<string, number[]>
  tasks: Set<string>
  created: Map<number, string>
  deleted: Set<number>
}

const DAY = 86_400_000

/** An API's own view of its memory (prom-client's default metrics), in MB: what RSS is made of. */
async function heapOf (base: string): Promise<string> {
  const text = (await send('GET', `${base.replace(/\/api\/v1$/, '')}/metrics`)).body
  const mb = (name: string) => (Number(new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text)?.[1]) / 1e6).toFixed(0)
  return `heap used ${mb('nodejs_heap_size_used_bytes')}, heap total ${mb('nodejs_heap_size_total_bytes')}, external ${mb('nodejs_external_memory_bytes')} MB`
}
const pick = <T>(items: T[]): T | undefined => items[Math.floor(Math.random() * items.length)]

/** One client: a random action at a time, round-robin over the APIs, until the deadline. */
async function client (bases: string[], deadline: number, tally: Tally, n: number) {
  const mine: number[] = []
  let lastSeq = 0
  let turn = n
  const call = async (kind: string, method: string, path: string, body?: unknown, keepBody = true): Promise<LoadResponse> => {
    const base = bases[turn++ % bases.length]!
    const began = performance.now()
    const res = await send(method, `${base}${path}`, body, { keepBody })
    const took = performance.now() - began
    tally.latencies.set(kind, [...(tally.latencies.get(kind) ?? []), took].slice(-20_000))
    tally.statuses.set(res.status, (tally.statuses.get(res.status) ?? 0) + 1)
    if (res.status >= 500) tally.serverErrors.push(`${method} ${path}: ${res.status} ${res.body.slice(0, 200)}`)
    return res
  }
  const expect = (res: LoadResponse, status: number, what: string) => {
    if (res.status !== status && res.status < 500) tally.wrong.push(`${what}: ${res.status} ${res.body.slice(0, 200)}`)
    return res.status === status
  }
  while (Date.now() < deadline) {
    const r = Math.random()
    if (r < 0.35 || mine.length === 0) {
      const title = `load ${n}-${mine.length} "quoted" ✓`
      const deadlineAt = Math.random() < 0.7 ? new Date(Date.now() + (Math.random() * 20 - 5) * DAY).toISOString().slice(0, 19) : null
      const res = await call('POST /todos', 'POST', '/todos', { title, deadline_at: deadlineAt })
      if (!expect(res, 201, 'create')) continue
      const { id } = JSON.parse(res.body) as { id: number }
      mine.push(id)
      tally.created.set(id, title)
      const back = await call('GET /todos/{id}', 'GET', `/todos/${id}`) // the other API, straight after
      if (expect(back, 200, 'read back') && (JSON.parse(back.body) as { title: string }).title !== title) tally.wrong.push(`todo ${id} read back with another title`)
    } else if (r < 0.50) {
      const id = pick(mine)!
      const res = await call('PUT /todos/{id}', 'PUT', `/todos/${id}`, { completed: Math.random() < 0.5 })
      expect(res, tally.deleted.has(id) ? 404 : 200, 'update')
    } else if (r < 0.55) {
      const id = mine.splice(Math.floor(Math.random() * mine.length), 1)[0]!
      const res = await call('DELETE /todos/{id}', 'DELETE', `/todos/${id}`)
      if (expect(res, 200, 'delete')) tally.deleted.add(id)
    } else if (r < 0.68) {
      const res = await call('GET /todos?limit', 'GET', `/todos?completed=false&limit=100&after_id=${Math.floor(Math.random() * 2000)}`)
      expect(res, 200, 'page')
    } else if (r < 0.71) {
      const res = await call('GET /todos (full)', 'GET', '/todos?completed=false', undefined, false)
      if (expect(res, 200, 'full list') && (!res.complete || res.body !== ']')) tally.wrong.push('a full listing ended early')
    } else if (r < 0.88) {
      const res = await call('POST /todos/ical', 'POST', '/todos/ical?completed=false&window=30')
      if (!expect(res, 202, 'queue a calendar')) continue
      const { task_id: taskId } = JSON.parse(res.body) as { task_id: string }
      tally.tasks.add(taskId)
      expect(await call('GET status?wait=10', 'GET', `/todos/ical/${taskId}/status?wait=10`), 200, 'wait for a calendar')
    } else {
      const res = await call('GET /events/poll?wait=2', 'GET', `/events/poll?after=${lastSeq}&wait=2`)
      if (expect(res, 200, 'events poll')) lastSeq = (JSON.parse(res.body) as { last_seq: number }).last_seq
    }
  }
}

/** Run `work` over `items`, `width` at a time. */
async function inParallel<T> (items: T[], width: number, work: (item: T) => Promise<void>) {
  let next = 0
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < items.length) await work(items[next++]!)
  }))
}

export const load: Benchmark = async ({ server, smoke, log }) => {
  const seconds = smoke ? 3 : flag('load-seconds', 'BENCH_LOAD_SECONDS', 30)
  const clients = smoke ? 6 : flag('load-clients', 'BENCH_LOAD_CLIENTS', 50)
  const db = await server.createDatabase('load')
  // Every client here comes from 127.0.0.1: the per-address limit on POST /todos/ical (60 a
  // minute by default, tested on its own) would make this one "client" a flood of 429s.
  const apiEnv = { WORKER_MODE: 'off', ICAL_RATE_LIMIT_PER_MINUTE: '0' }
  const processes: Array<{ name: string, proc: Proc }> = []
  try {
    const first = await startApi(db.url, apiEnv, { quietStdout: true }) // migrates the database
    processes.push({ name: 'api 1', proc: first })
    const [second, ...workers] = await Promise.all([
      startApi(db.url, apiEnv, { quietStdout: true }),
      ...[1, 2].map(async () => {
        const port = await freePort()
        const proc = startProcess('src/worker.ts', { DATABASE_URL: db.url, WORKER_HTTP_PORT: String(port), LOG_LEVEL: 'warn' }, [], { quietStdout: true })
        await waitForHttp(`http://127.0.0.1:${port}/health`, proc)
        return proc
      })
    ])
    processes.push({ name: 'api 2', proc: second! }, ...workers.map((proc, i) => ({ name: `worker ${i + 1}`, proc })))
    const bases = [first.base, second!.base]
    await seedTodos(db.url, smoke ? 200 : 2000)

    // Warm-up (JIT, pools, prepared plans), then the memory each process starts from.
    const warm: Tally = { statuses: new Map(), serverErrors: [], wrong: [], latencies: new Map(), tasks: new Set(), created: new Map(), deleted: new Set() }
    await Promise.all(Array.from({ length: 4 }, (_, i) => client(bases, Date.now() + (smoke ? 500 : 3000), warm, i)))
    const before = processes.map(({ proc }) => rssMb(proc.child.pid))
    const heapBefore = await Promise.all(bases.map(heapOf))
    const peaks = processes.map(({ proc }) => sampleMaxRss(proc.child.pid, 200))
    // RSS every tenth of the run: growth that levels off is the heap settling, a steady climb a leak.
    const timeline = processes.map(() => [] as number[])
    const every = setInterval(() => processes.forEach(({ proc }, i) => timeline[i]!.push(Math.round(rssMb(proc.child.pid)))), seconds * 100)

    log(`load: ${clients} clients for ${seconds} s on 2 APIs (WORKER_MODE=off) + 2 workers`)
    const tally: Tally = { statuses: new Map(), serverErrors: [], wrong: [], latencies: new Map(), tasks: new Set(), created: new Map(), deleted: new Set() }
    const began = performance.now()
    await Promise.all(Array.from({ length: clients }, (_, i) => client(bases, Date.now() + seconds * 1000, tally, i)))
    const elapsed = (performance.now() - began) / 1000
    clearInterval(every)
    const requests = [...tally.statuses.values()].reduce((a, b) => a + b, 0)
    const afterLoad = processes.map(({ proc }) => rssMb(proc.child.pid))
    const peak = peaks.map((p) => p.stop())
    const heapAfter = await Promise.all(bases.map(heapOf))

    // Every accepted job ends SUCCESS (they may still be running: wait for each).
    const notSuccess: string[] = []
    await inParallel([...tally.tasks], 20, async (id) => {
      for (let i = 0; i < 6; i++) {
        const res = await send('GET', `${bases[i % 2]}/todos/ical/${id}/status?wait=20`)
        const status = (JSON.parse(res.body) as { task_status?: string }).task_status
        if (status === 'SUCCESS') return
        if (status !== 'PENDING' && status !== 'STARTED' && status !== 'RETRY') break
      }
      notSuccess.push(id)
    })
    // Every todo created and not deleted reads back as written, from either API.
    const unreadable: number[] = []
    await inParallel([...tally.created].filter(([id]) => !tally.deleted.has(id)), 20, async ([id, title]) => {
      const res = await send('GET', `${bases[id % 2]}/todos/${id}`)
      if (res.status !== 200 || (JSON.parse(res.body) as { title: string }).title !== title) unreadable.push(id)
    })

    const benchmark = `load test (2 APIs + 2 workers, ${clients} clients, ${seconds} s)`
    const memory = processes.map(({ name }, i) => `${name} ${before[i]!.toFixed(0)} -> ${afterLoad[i]!.toFixed(0)} MB (peak ${peak[i]!.toFixed(0)})`).join('; ')
    const growth = Math.max(...processes.map((_, i) => afterLoad[i]! - before[i]!))
    const serverErrors = tally.serverErrors.length
    const crud = summarize(['POST /todos', 'GET /todos/{id}', 'PUT /todos/{id}', 'DELETE /todos/{id}'].flatMap((k) => tally.latencies.get(k) ?? []))
    log(`load: ${requests} requests in ${elapsed.toFixed(1)} s; statuses ${JSON.stringify(Object.fromEntries(tally.statuses))}; ` +
      `${tally.tasks.size} jobs (${notSuccess.length} not SUCCESS); ${tally.created.size} todos created, ${tally.deleted.size} deleted (${unreadable.length} unreadable); ` +
      `memory: ${memory}`)
    processes.forEach(({ name }, i) => log(`load:   RSS of ${name} every ${seconds / 10} s: ${timeline[i]!.join(', ')} MB`))
    bases.forEach((_, i) => log(`load:   api ${i + 1} before: ${heapBefore[i]}; after: ${heapAfter[i]}`))
    for (const [kind, samples] of tally.latencies) {
      const s = summarize(samples)
      log(`load:   ${kind}: ${samples.length} requests, p50 ${s.p50.toFixed(1)} ms, p95 ${s.p95.toFixed(1)} ms, max ${s.max.toFixed(0)} ms`)
    }
    const problems = [
      ...tally.serverErrors.slice(0, 5).map((e) => `5xx: ${e}`),
      ...tally.wrong.slice(0, 5).map((e) => `unexpected: ${e}`),
      ...(notSuccess.length > 0 ? [`${notSuccess.length} accepted jobs did not end SUCCESS, e.g. ${notSuccess[0]}`] : []),
      ...(unreadable.length > 0 ? [`${unreadable.length} created todos cannot be read, e.g. ${unreadable[0]}`] : []),
      ...(growth > 150 ? [`a process grew ${growth.toFixed(0)} MB: ${memory}`] : [])
    ]
    if (problems.length > 0) {
      log(`load: CHECKS FAILED:\n  ${problems.join('\n  ')}`)
      if (!smoke) throw new Error(`load test: ${problems.length} check(s) failed`)
    }
    const results: Result[] = [
      { benchmark, metric: 'requests per second', value: requests / elapsed, unit: 'req/s', note: `${requests} requests` },
      { benchmark, metric: '5xx answers', value: serverErrors, unit: 'answers', target: '0' },
      { benchmark, metric: 'accepted jobs not SUCCESS', value: notSuccess.length, unit: 'jobs', target: '0', note: `of ${tally.tasks.size}` },
      { benchmark, metric: 'created todos not readable', value: unreadable.length, unit: 'todos', target: '0', note: `of ${tally.created.size - tally.deleted.size}` },
      { benchmark, metric: 'largest RSS growth of a process', value: growth, unit: 'MB', target: '<= 150', note: memory },
      { benchmark, metric: 'CRUD p95', value: crud.p95, unit: 'ms', note: `p50 ${crud.p50.toFixed(1)} ms` }
    ]
    return results
  } finally {
    await Promise.all(processes.map(({ proc }) => proc.stop()))
  }
}
