// The benchmark's side of the BullMQ peer: start its server and worker as processes (as ours run),
// read its jobs' timestamps, and remove everything it put in Redis.
import { randomBytes } from 'node:crypto'
import { Queue } from 'bullmq'
import { freePort, startProcess, waitForHttp, type Proc } from '../../lib/processes.ts'
import { redisConnection } from '../../lib/redis.ts'
import { CALENDAR_QUEUE, type CalendarJobData } from './calendar-job.ts'

export interface BullmqPeer {
  prefix: string
  queue: Queue<CalendarJobData>
  startServer (databaseUrl: string, options?: { inlineWorker?: boolean }): Promise<Proc & { base: string }>
  startWorker (databaseUrl: string): Proc
  /** jobs per second from the first job started to the last finished, over all jobs in the queue */
  drainRate (): Promise<{ jobs: number, failed: number, jobsPerSecond: number }>
  /** forget every job (between drain rounds) */
  clear (): Promise<void>
  close (): Promise<void>
}

export function bullmqPeer (): BullmqPeer {
  const prefix = `bench-calendar-${randomBytes(4).toString('hex')}`
  const env = { BENCH_BULLMQ_PREFIX: prefix }
  const queue = new Queue<CalendarJobData>(CALENDAR_QUEUE, { connection: redisConnection, prefix })
  return {
    prefix,
    queue,
    async startServer (databaseUrl, { inlineWorker = true } = {}) {
      const port = await freePort()
      const proc = startProcess('bench/peers/bullmq-calendar/server.ts', env, [databaseUrl, String(port), ...(inlineWorker ? [] : ['--no-inline-worker'])])
      await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`, proc)
      return Object.assign(proc, { base: `http://127.0.0.1:${port}/api/v1` })
    },
    startWorker: (databaseUrl) => startProcess('bench/peers/bullmq-calendar/worker.ts', env, [databaseUrl]),
    async drainRate () {
      const completed = await queue.getJobs(['completed'])
      const failed = await queue.getJobCountByTypes('failed')
      const started = Math.min(...completed.map((j) => j.processedOn!))
      const finished = Math.max(...completed.map((j) => j.finishedOn!))
      return { jobs: completed.length, failed, jobsPerSecond: completed.length / ((finished - started) / 1000) }
    },
    clear: () => queue.obliterate({ force: true }),
    async close () {
      await queue.obliterate({ force: true })
      await queue.close()
    }
  }
}
