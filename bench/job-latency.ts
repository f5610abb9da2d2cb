// 2. Job latency over HTTP, service against service: POST /todos/ical (10 todos) until its status
// is SUCCESS, waiting with ?wait= (no client polling), one job at a time. Ours as `npm start` runs
// it (inline worker) beside the same service on BullMQ + Redis (bench/peers/bullmq-calendar, also
// with its worker in the server process), in alternating rounds with the same number of samples.
// Before the comparison, a stage run: one more server of ours, with bench/lib/stage-probe.ts
// loaded, runs jobs the same way and prints where the time of a job goes (bench/lib/stages.ts).
// The probe costs time itself, so the comparison runs on servers without it.
// A third contestant is the floor (bench/peers/bare-pg-calendar.ts): the same service on the
// fewest hand-written Postgres statements that keep its promises. Ours / floor is what pg-boss
// and the service cost on top of Postgres; floor / BullMQ is a service written for this one job
// on Postgres against the BullMQ peer as its users write it.
// Planner statistics are refreshed after the warm-ups and before every round, as autovacuum keeps
// them on a running database: plans made for the new database's empty job tables walk every job
// row, and plans made for a table a tenth of its size can too.
// BENCH_BEFORE=<dir>: another checkout of the project (e.g. `git archive` of the commit before a
// change, with node_modules linked) runs as one more contestant, on a database of its own: before
// and after from the same rounds.
import { readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Benchmark, BenchContext } from './context.ts'
import { analyze } from './lib/database.ts'
import { requestJson } from './lib/http.ts'
import { freePort, root, startApi, startProcess, waitForHttp } from './lib/processes.ts'
import { NO_REDIS, redisAnswers } from './lib/redis.ts'
import { summarize, type Result } from './lib/report.ts'
import { alternate } from './lib/rounds.ts'
import { seedTodos } from './lib/seed.ts'
import type { ProbeEvent } from './lib/stage-probe.ts'
import { stageReport, type ClientMarks } from './lib/stages.ts'
import { bullmqPeer } from './peers/bullmq-calendar/control.ts'

const clock = () => performance.timeOrigin + performance.now()

async function oneJob (base: string): Promise<ClientMarks> {
  const posted = clock()
  const { task_url: url } = await requestJson<{ task_url: string }>('POST', `${base}/todos/ical`)
  const accepted = clock()
  const status = await requestJson<{ task_status: string, result?: { events: number } }>('GET', `${url}?wait=30`)
  const answered = clock()
  if (status.task_status !== 'SUCCESS' || status.result?.events !== 9) throw new Error(`${base}: job ended ${JSON.stringify(status)}`)
  return { posted, accepted, answered }
}

async function httpSamples (base: string, count: number): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const { posted, answered } = await oneJob(base)
    samples.push(answered - posted)
  }
  return samples
}

/** Jobs on a server of ours with the stage probe loaded; prints the breakdown of one job. */
async function stageRun (databaseUrl: string, jobs: number, warmUp: number, log: BenchContext['log'], seed: () => Promise<void>): Promise<void> {
  const file = path.join(os.tmpdir(), `taskoverflow-bench-stages-${process.pid}.json`)
  const probe = path.join(root, 'bench', 'lib', 'stage-probe.ts')
  const api = await startApi(databaseUrl, { NODE_OPTIONS: `--import=${probe}`, BENCH_STAGE_FILE: file })
  const marks: ClientMarks[] = []
  try {
    await seed() // once the server has migrated the database
    for (let i = 0; i < warmUp; i++) await oneJob(api.base) // as below
    await analyze(databaseUrl)
    for (let i = 0; i < jobs; i++) marks.push(await oneJob(api.base))
  } finally {
    await api.stop()
  }
  try {
    const events = JSON.parse(await readFile(file, 'utf8')) as ProbeEvent[]
    log(`job latency, where one job's time goes (${jobs} jobs, probe loaded: it adds time of its own):\n${stageReport(events, marks).join('\n')}`)
  } finally {
    await rm(file, { force: true })
  }
}

async function startFloor (databaseUrl: string) {
  const port = await freePort()
  const proc = startProcess('bench/peers/bare-pg-calendar.ts', {}, [databaseUrl, String(port)])
  await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`, proc)
  return Object.assign(proc, { base: `http://127.0.0.1:${port}/api/v1` })
}

async function startBefore (server: BenchContext['server'], checkout: string) {
  const db = await server.createDatabase('latency_before')
  const api = await startApi(db.url, {}, { checkout })
  await seedTodos(db.url, 10)
  return Object.assign(api, { databaseUrl: db.url })
}

export const jobLatency: Benchmark = async ({ server, smoke, log }) => {
  // Many short rounds: the machine's load changes by the second, and each round is a fraction of one.
  const rounds = smoke ? 2 : Number(process.env.BENCH_ROUNDS ?? 20)
  const perRound = smoke ? 3 : Math.ceil(Number(process.env.BENCH_SAMPLES ?? 1000) / rounds)
  const db = await server.createDatabase('latency')
  await stageRun(db.url, smoke ? 3 : 200, smoke ? 2 : 20, log, () => seedTodos(db.url, 10)) // 9 of them have a deadline
  const ours = await startApi(db.url)
  const services = new Map([['ours', ours.base]])
  const before = process.env.BENCH_BEFORE ? await startBefore(server, process.env.BENCH_BEFORE) : undefined
  if (before) services.set('before', before.base)
  const floor = await startFloor(db.url) // the same todos in the same database, tables of its own
  services.set('floor', floor.base)
  const peer = await redisAnswers() ? bullmqPeer() : undefined
  const peerServer = await peer?.startServer(db.url) // the same todos in the same database
  if (peerServer) services.set('BullMQ', peerServer.base)
  else log(NO_REDIS)
  try {
    for (const base of services.values()) await httpSamples(base, smoke ? 2 : 20) // warm-up: JIT, pools, prepared plans
    for (const url of [db.url, before?.databaseUrl]) if (url) await analyze(url) // the statistics of a running database
    log(`job latency: ${rounds} alternating rounds of ${perRound} sequential jobs (${[...services.keys()].join(', ')})`)
    // Statistics refreshed before every round as well: each round adds its jobs to the tables, and
    // autovacuum re-analyses a table once a tenth of it has changed.
    const databaseOf = (name: string) => name === 'before' ? before!.databaseUrl : db.url
    const samples = await alternate([...services.keys()], rounds, async (name) => {
      await analyze(databaseOf(name))
      return await httpSamples(services.get(name)!, perRound)
    })
    const us = summarize(samples.get('ours')!.flat())
    const bare = summarize(samples.get('floor')!.flat())
    const benchmark = 'job latency (HTTP, 10 todos, ?wait)'
    const n = `${rounds * perRound} samples each, ${rounds} alternating rounds`
    const floorLabel = 'the floor: the same service on hand-written Postgres statements'
    const overFloor = (note: string): Result[] => [
      { benchmark, metric: 'p50 POST -> SUCCESS', value: us.p50, unit: 'ms', baseline: { label: floorLabel, value: bare.p50 }, note: `${note}; what pg-boss and the service add` },
      { benchmark, metric: 'p95 POST -> SUCCESS', value: us.p95, unit: 'ms', baseline: { label: floorLabel, value: bare.p95 }, note }
    ]
    if (!peerServer) return overFloor(`${n}; ${NO_REDIS}`)
    const them = summarize(samples.get('BullMQ')!.flat())
    if (before) {
      const was = summarize(samples.get('before')!.flat())
      const ratio = (a: number, b: number) => (a / b).toFixed(2)
      log(`before (${process.env.BENCH_BEFORE}): p50 ${was.p50.toFixed(2)} ms (${ratio(was.p50, them.p50)}x BullMQ), ` +
        `p95 ${was.p95.toFixed(2)} ms (${ratio(was.p95, them.p95)}x); ` +
        `ours now: p50 ${us.p50.toFixed(2)} ms (${ratio(us.p50, them.p50)}x), p95 ${us.p95.toFixed(2)} ms (${ratio(us.p95, them.p95)}x); ` +
        `BullMQ p50 ${them.p50.toFixed(2)} ms, p95 ${them.p95.toFixed(2)} ms`)
    }
    const label = 'the same service on BullMQ + Redis'
    const target = '<= 1.0 of peer'
    const theFloor = `${benchmark}, the floor`
    return [
      { benchmark, metric: 'p50 POST -> SUCCESS', value: us.p50, unit: 'ms', baseline: { label, value: them.p50 }, target, note: n },
      { benchmark, metric: 'p95 POST -> SUCCESS', value: us.p95, unit: 'ms', baseline: { label, value: them.p95 }, target, note: n },
      ...overFloor(n),
      { benchmark: theFloor, metric: 'p50 POST -> SUCCESS', value: bare.p50, unit: 'ms', baseline: { label, value: them.p50 }, note: `${n}; a service on Postgres written for this job` },
      { benchmark: theFloor, metric: 'p95 POST -> SUCCESS', value: bare.p95, unit: 'ms', baseline: { label, value: them.p95 }, note: n }
    ]
  } finally {
    await ours.stop()
    await floor.stop()
    await before?.stop()
    await peerServer?.stop()
    await peer?.close()
  }
}
