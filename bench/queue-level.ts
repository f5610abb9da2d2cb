// 1. The queue alone, no HTTP and no calendar: pg-boss 12 (the queue this service stands on)
// beside BullMQ on Redis and graphile-worker, each with a handler that does nothing, in
// alternating rounds with the same number of samples: enqueue -> done latency, one job at a
// time, and the rate at which one worker drains a backlog.
import type { Benchmark } from './context.ts'
import { alternate } from './lib/rounds.ts'
import { NO_REDIS, redisAnswers } from './lib/redis.ts'
import { summarize, type Result } from './lib/report.ts'
import { bullmqQueue } from './peers/bullmq-queue.ts'
import { graphileQueue } from './peers/graphile-queue.ts'
import { pgBossAlone } from './peers/pg-boss-alone.ts'
import type { QueuePeer } from './peers/queue-peer.ts'

const median = (values: number[]) => summarize(values).p50

export const queueLevel: Benchmark = async ({ server, smoke, log }) => {
  const rounds = smoke ? 2 : 5
  const perRound = smoke ? 3 : Math.ceil(Number(process.env.BENCH_SAMPLES ?? 200) / rounds)
  const drainRounds = smoke ? 1 : 3
  const drainJobs = smoke ? 100 : Number(process.env.BENCH_QUEUE_DRAIN_JOBS ?? 5000)

  const peers = new Map<string, QueuePeer>()
  peers.set('pg-boss', await pgBossAlone((await server.createDatabase('queue_pgboss')).url))
  peers.set('graphile-worker', await graphileQueue((await server.createDatabase('queue_graphile')).url))
  if (await redisAnswers()) peers.set('BullMQ', await bullmqQueue())
  else log(NO_REDIS)
  const names = [...peers.keys()]
  try {
    for (const peer of peers.values()) for (let i = 0; i < (smoke ? 2 : 30); i++) await peer.latency() // warm-up
    log(`queue: enqueue -> done, ${rounds} alternating rounds of ${perRound} jobs each (${names.join(', ')})`)
    const latency = await alternate(names, rounds, async (name) => {
      const samples: number[] = []
      for (let i = 0; i < perRound; i++) samples.push(await peers.get(name)!.latency())
      return samples
    })
    log(`queue: backlog drain, ${drainRounds} alternating round(s) of ${drainJobs} jobs each`)
    const drain = await alternate(names, drainRounds, (name) => peers.get(name)!.drain(drainJobs))

    const floor = summarize(latency.get('pg-boss')!.flat())
    const floorDrain = median(drain.get('pg-boss')!)
    const label = peers.get('pg-boss')!.label
    const results: Result[] = []
    for (const name of names.filter((n) => n !== 'pg-boss')) {
      const peer = summarize(latency.get(name)!.flat())
      const note = `ours: ${label}`
      results.push(
        { benchmark: 'queue alone: enqueue -> done', metric: 'p50', value: floor.p50, unit: 'ms', baseline: { label: peers.get(name)!.label, value: peer.p50 }, note },
        { benchmark: 'queue alone: enqueue -> done', metric: 'p95', value: floor.p95, unit: 'ms', baseline: { label: peers.get(name)!.label, value: peer.p95 }, note },
        { benchmark: `queue alone: backlog drain (${drainJobs} jobs)`, metric: 'one worker', value: floorDrain, unit: 'jobs/s', baseline: { label: peers.get(name)!.label, value: median(drain.get(name)!) }, note: `${note}; median of ${drainRounds}` }
      )
    }
    return results
  } finally {
    for (const peer of peers.values()) await peer.close()
  }
}
