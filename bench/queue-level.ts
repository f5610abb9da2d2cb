// 1. The queue alone, no HTTP and no calendar: pg-boss 12 (the queue this service stands on)
// beside BullMQ on Redis, graphile-worker and a bare hand-written Postgres queue (the floor any
// Postgres queue stands on here), each with a handler that does nothing, in alternating rounds
// with the same number of samples: enqueue -> done latency, one job at a time, and the rate at
// which one worker drains a backlog. The floor is also set against BullMQ directly: it says how
// much of pg-boss's gap to Redis is Postgres itself.
// Planner statistics are refreshed where a running database's autovacuum would have refreshed
// them: after the latency warm-up, and once a drain's backlog is in. Refreshed on the warm-up
// table alone (30 jobs, none of the drain's queue), they had pg-boss drain 612 jobs/s instead
// of 12,600-13,100 on the same quiet machine, with plans made for a queue that was empty.
import type { Benchmark } from './context.ts'
import { analyze } from './lib/database.ts'
import { alternate } from './lib/rounds.ts'
import { NO_REDIS, redisAnswers } from './lib/redis.ts'
import { summarize, type Result } from './lib/report.ts'
import { barePgQueue } from './peers/bare-pg-queue.ts'
import { bullmqQueue } from './peers/bullmq-queue.ts'
import { graphileQueue } from './peers/graphile-queue.ts'
import { pgBossAlone } from './peers/pg-boss-alone.ts'
import { pgBossAsServed } from './peers/pg-boss-as-served.ts'
import type { QueuePeer } from './peers/queue-peer.ts'

const median = (values: number[]) => summarize(values).p50

export const queueLevel: Benchmark = async ({ server, smoke, log }) => {
  const rounds = smoke ? 2 : 5
  const perRound = smoke ? 3 : Math.ceil(Number(process.env.BENCH_SAMPLES ?? 200) / rounds)
  const drainRounds = smoke ? 1 : 3
  const drainJobs = smoke ? 100 : Number(process.env.BENCH_QUEUE_DRAIN_JOBS ?? 5000)

  const peers = new Map<string, QueuePeer>()
  const databases = new Map<string, string>() // the Postgres queues' own
  for (const [name, start] of [['pg-boss', pgBossAlone], ['pg-boss as served', pgBossAsServed], ['graphile-worker', graphileQueue], ['floor', barePgQueue]] as const) {
    databases.set(name, (await server.createDatabase(`queue_${name.replace(/\W/g, '_')}`)).url)
    peers.set(name, await start(databases.get(name)!))
  }
  const refreshStatistics = async (name: string) => { if (databases.has(name)) await analyze(databases.get(name)!) }
  if (await redisAnswers()) peers.set('BullMQ', await bullmqQueue())
  else log(NO_REDIS)
  const names = [...peers.keys()]
  try {
    for (const peer of peers.values()) for (let i = 0; i < (smoke ? 2 : 30); i++) await peer.latency() // warm-up
    for (const name of names) await refreshStatistics(name)
    log(`queue: enqueue -> done, ${rounds} alternating rounds of ${perRound} jobs each (${names.join(', ')})`)
    const latency = await alternate(names, rounds, async (name) => {
      await refreshStatistics(name) // each round adds its jobs: as autovacuum would, once a tenth changed
      const samples: number[] = []
      for (let i = 0; i < perRound; i++) samples.push(await peers.get(name)!.latency())
      return samples
    })
    log(`queue: backlog drain, ${drainRounds} alternating round(s) of ${drainJobs} jobs each`)
    const drain = await alternate(names, drainRounds, (name) => peers.get(name)!.drain(drainJobs, () => refreshStatistics(name)))

    const compare = (ours: string, peer: string): Result[] => {
      const us = summarize(latency.get(ours)!.flat())
      const them = summarize(latency.get(peer)!.flat())
      const baseline = (value: number) => ({ label: peers.get(peer)!.label, value })
      const note = `ours: ${peers.get(ours)!.label}`
      return [
        { benchmark: 'queue alone: enqueue -> done', metric: 'p50', value: us.p50, unit: 'ms', baseline: baseline(them.p50), note },
        { benchmark: 'queue alone: enqueue -> done', metric: 'p95', value: us.p95, unit: 'ms', baseline: baseline(them.p95), note },
        {
          benchmark: `queue alone: backlog drain (${drainJobs} jobs)`,
          metric: 'one worker',
          value: median(drain.get(ours)!),
          unit: 'jobs/s',
          baseline: baseline(median(drain.get(peer)!)),
          note: `${note}; median of ${drainRounds}`
        }
      ]
    }
    const results = names.filter((n) => n !== 'pg-boss').flatMap((name) => compare('pg-boss', name))
    results.push(...compare('pg-boss as served', 'floor'))
    if (peers.has('BullMQ')) results.push(...compare('pg-boss as served', 'BullMQ'), ...compare('floor', 'BullMQ'))
    return results
  } finally {
    for (const peer of peers.values()) await peer.close()
  }
}
