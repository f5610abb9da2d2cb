// 1. The queue alone, no HTTP and no calendar: pg-boss 12 (the queue this service stands on)
// beside BullMQ on Redis, graphile-worker and a bare hand-written Postgres queue (the floor any
// Postgres queue stands on here), each with a handler that does nothing, in alternating rounds
// with the same number of samples: enqueue -> done latency, one job at a time, and the rate at
// which one worker drains a backlog. The floor is also set against BullMQ directly: it says how
// much of pg-boss's gap to Redis is Postgres itself. (Planner statistics are left as they are:
// refreshed after the warm-up, they describe a table of 30 jobs, and every Postgres queue then
// drained its backlog of thousands with plans made for that, pg-boss at 612 jobs/s instead of
// 13,000. job-latency refreshes them: there one job at most waits, whatever the table holds.)
import type { Benchmark } from './context.ts'
import { alternate } from './lib/rounds.ts'
import { NO_REDIS, redisAnswers } from './lib/redis.ts'
import { summarize, type Result } from './lib/report.ts'
import { barePgQueue } from './peers/bare-pg-queue.ts'
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
  peers.set('floor', await barePgQueue((await server.createDatabase('queue_floor')).url))
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

    const compare = (ours: string, peer: string): Result[] => {
      const us = summarize(latency.get(ours)!.flat())
      const them = summarize(latency.get(peer)!.flat())
      const baseline = (value: number) => ({ label: peers.get(peer)!.label, value })
      const note = `ours: ${peers.get(ours)!.label}`
      return [
        { benchmark: 'queue alone: enqueue -> done', metric: 'p50', value: us.p50, unit: 'ms', baseline: baseline(them.p50), note },
        { benchmark: 'queue alone: enqueue -> done', metric: 'p95', value: us.p95, unit: 'ms', baseline: baseline(them.p95), note },
        { benchmark: `queue alone: backlog drain (${drainJobs} jobs)`, metric: 'one worker', value: median(drain.get(ours)!), unit: 'jobs/s', baseline: baseline(median(drain.get(peer)!)), note: `${note}; median of ${drainRounds}` }
      ]
    }
    const results = names.filter((n) => n !== 'pg-boss').flatMap((name) => compare('pg-boss', name))
    if (peers.has('BullMQ')) results.push(...compare('floor', 'BullMQ'))
    return results
  } finally {
    for (const peer of peers.values()) await peer.close()
  }
}
