// graphile-worker, the other Postgres queue a Node user would pick: its runner with LISTEN/NOTIFY
// (built in), its local queue and batched completions (the settings its performance page
// suggests for throughput), prepared statements (its default), a handler that does nothing and
// its logging off, as pg-boss's is.
import { Logger, makeWorkerUtils, run, type Runner } from 'graphile-worker'
import { sql } from '../lib/database.ts'
import { DoneListener, attachDoneTrigger } from './done-listener.ts'
import { DrainClock, type QueuePeer } from './queue-peer.ts'

const quiet = new Logger(() => () => {})
const CONCURRENCY = 10
const preset = { worker: { localQueue: { size: 50 }, completeJobBatchDelay: 0 } }

export async function graphileQueue (url: string): Promise<QueuePeer> {
  const utils = await makeWorkerUtils({ connectionString: url, logger: quiet })
  await utils.migrate()
  // A finished job is deleted; only the latency jobs (marked in their payload) notify.
  await attachDoneTrigger(url, 'graphile_worker._private_jobs', 'delete', "OLD.payload->>'notify' = 'yes'", 'OLD.id::text')
  const listener = await DoneListener.start(url)
  const runner: Runner = await run({
    connectionString: url, concurrency: CONCURRENCY, noHandleSignals: true, pollInterval: 2000, logger: quiet, preset, taskList: { latency: async () => {} }
  })

  return {
    label: `graphile-worker (concurrency ${CONCURRENCY}, local queue 50)`,
    async latency () {
      const began = performance.now()
      const job = await runner.addJob('latency', { filters: {}, notify: 'yes' })
      await listener.done(String(job.id))
      return performance.now() - began
    },
    async drain (count, queued) {
      for (let i = 0; i < count; i += 1000) {
        await utils.addJobs(Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ identifier: 'drain', payload: { filters: { window: i + j } } })))
      }
      await queued?.()
      const clock = new DrainClock()
      const drainer = await run({
        connectionString: url, concurrency: CONCURRENCY, noHandleSignals: true, pollInterval: 2000, logger: quiet, preset, taskList: { drain: async () => { clock.mark() } }
      })
      const rate = await clock.jobsPerSecond(count, async () =>
        (await sql(url, 'select count(*)::int as n from graphile_worker.jobs where task_identifier = $1', ['drain']))[0].n)
      await drainer.stop()
      return rate
    },
    async close () {
      await runner.stop()
      await listener.close()
      await utils.release()
    }
  }
}
