// BullMQ on Redis, as its documentation sets it up: a Queue to add, a Worker to process, and
// QueueEvents to hear that a job finished (job.waitUntilFinished), with a handler that does nothing.
import { randomBytes } from 'node:crypto'
import { Queue, QueueEvents, Worker } from 'bullmq'
import { redisConnection as connection } from '../lib/redis.ts'
import { DrainClock, type QueuePeer } from './queue-peer.ts'

// As many jobs in flight as the pg-boss floor fetches (two loops of 50).
const CONCURRENCY = 100

export async function bullmqQueue (): Promise<QueuePeer> {
  const prefix = `bench-${randomBytes(4).toString('hex')}` // a run of its own, removed at close
  const latencyQueue = new Queue('latency', { connection, prefix })
  const drainQueue = new Queue('drain', { connection, prefix })
  const events = new QueueEvents('latency', { connection, prefix })
  await events.waitUntilReady()
  const worker = new Worker('latency', async () => {}, { connection, prefix, concurrency: CONCURRENCY })
  await worker.waitUntilReady()

  return {
    label: `BullMQ on Redis (concurrency ${CONCURRENCY})`,
    async latency () {
      const began = performance.now()
      const job = await latencyQueue.add('job', { filters: {} })
      await job.waitUntilFinished(events, 10_000)
      return performance.now() - began
    },
    async drain (count, queued) {
      for (let i = 0; i < count; i += 1000) {
        await drainQueue.addBulk(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ name: 'job', data: { filters: { window: i + j } } })))
      }
      await queued?.()
      const clock = new DrainClock()
      const drainer = new Worker('drain', async () => { clock.mark() }, { connection, prefix, concurrency: CONCURRENCY })
      const rate = await clock.jobsPerSecond(count, async () => {
        const counts = await drainQueue.getJobCounts('wait', 'active', 'delayed', 'prioritized')
        return Object.values(counts).reduce((a, b) => a + b, 0)
      })
      await drainer.close()
      await drainQueue.obliterate({ force: true })
      return rate
    },
    async close () {
      await worker.close()
      await events.close()
      await latencyQueue.obliterate({ force: true })
      await Promise.all([latencyQueue.close(), drainQueue.close()])
    }
  }
}
