// 2. Job latency over HTTP, service against service: POST /todos/ical (10 todos) until its status
// is SUCCESS, waiting with ?wait= (no client polling), one job at a time. Ours as `npm start` runs
// it (inline worker) beside the same service on BullMQ + Redis (bench/peers/bullmq-calendar, also
// with its worker in the server process), in alternating rounds with the same number of samples.
import type { Benchmark } from './context.ts'
import { requestJson } from './lib/http.ts'
import { startApi } from './lib/processes.ts'
import { NO_REDIS, redisAnswers } from './lib/redis.ts'
import { summarize, type Result } from './lib/report.ts'
import { alternate } from './lib/rounds.ts'
import { seedTodos } from './lib/seed.ts'
import { bullmqPeer } from './peers/bullmq-calendar/control.ts'

async function httpSamples (base: string, count: number): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const began = performance.now()
    const { task_url: url } = await requestJson<{ task_url: string }>('POST', `${base}/todos/ical`)
    const status = await requestJson<{ task_status: string, result?: { events: number } }>('GET', `${url}?wait=30`)
    if (status.task_status !== 'SUCCESS' || status.result?.events !== 9) throw new Error(`${base}: job ended ${JSON.stringify(status)}`)
    samples.push(performance.now() - began)
  }
  return samples
}

export const jobLatency: Benchmark = async ({ server, smoke, log }) => {
  const rounds = smoke ? 2 : 5
  const perRound = smoke ? 3 : Math.ceil(Number(process.env.BENCH_SAMPLES ?? 200) / rounds)
  const db = await server.createDatabase('latency')
  const ours = await startApi(db.url)
  await seedTodos(db.url, 10) // 9 of them have a deadline
  const services = new Map([['ours', ours.base]])
  const peer = await redisAnswers() ? bullmqPeer() : undefined
  const peerServer = await peer?.startServer(db.url) // the same todos in the same database
  if (peerServer) services.set('BullMQ', peerServer.base)
  else log(NO_REDIS)
  try {
    for (const base of services.values()) await httpSamples(base, smoke ? 2 : 20) // warm-up: JIT, pools, prepared plans
    log(`job latency: ${rounds} alternating rounds of ${perRound} sequential jobs (${[...services.keys()].join(', ')})`)
    const samples = await alternate([...services.keys()], rounds, (name) => httpSamples(services.get(name)!, perRound))
    const us = summarize(samples.get('ours')!.flat())
    const benchmark = 'job latency (HTTP, 10 todos, ?wait)'
    if (!peerServer) {
      return [
        { benchmark, metric: 'p50', value: us.p50, unit: 'ms', note: NO_REDIS },
        { benchmark, metric: 'p95', value: us.p95, unit: 'ms', note: NO_REDIS }
      ]
    }
    const them = summarize(samples.get('BullMQ')!.flat())
    const label = 'the same service on BullMQ + Redis'
    const n = `${rounds * perRound} samples each, ${rounds} alternating rounds`
    const results: Result[] = [
      { benchmark, metric: 'p50 POST -> SUCCESS', value: us.p50, unit: 'ms', baseline: { label, value: them.p50 }, target: '<= 1.0 of peer', note: n },
      { benchmark, metric: 'p95 POST -> SUCCESS', value: us.p95, unit: 'ms', baseline: { label, value: them.p95 }, target: '<= 1.0 of peer', note: n }
    ]
    return results
  } finally {
    await ours.stop()
    await peerServer?.stop()
    await peer?.close()
  }
}
