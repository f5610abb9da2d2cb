// The queue floor: pg-boss 12 as it comes (no prepared statements, no grouping submitter), with
// the service's LISTEN/NOTIFY settings and fetch options, and a handler that does nothing.
import { randomUUID } from 'node:crypto'
import { PgBoss, type WorkOptions } from 'pg-boss'
import { loadConfig } from '../../src/config.ts'
import { sql } from '../lib/database.ts'
import { DoneListener, attachDoneTrigger } from './done-listener.ts'
import { DrainClock, type QueuePeer } from './queue-peer.ts'

// As src/calendar/consumers.ts fetches with the default settings (WORKER_BATCH_SIZE, WORKER_CONCURRENCY).
const { worker } = loadConfig({})
const WORK = { batchSize: worker.batchSize, localConcurrency: worker.concurrency, burstWhenBatchFull: true, pollingIntervalSeconds: 2, notifyPollingIntervalSeconds: 2 }

export async function pgBossAlone (url: string): Promise<QueuePeer> {
  const boss = new PgBoss({ connectionString: url, useListenNotify: true })
  boss.on('error', (error) => console.error('pg-boss peer:', error))
  await boss.start()
  for (const name of ['latency', 'drain']) await boss.createQueue(name, { policy: 'standard', notify: true })
  await attachDoneTrigger(url, 'pgboss.job', 'update of state', "NEW.name = 'latency' and NEW.state = 'completed'", 'NEW.id::text')
  const listener = await DoneListener.start(url)
  await boss.work('latency', WORK, async () => {})

  return {
    label: `pg-boss 12 alone (LISTEN/NOTIFY, batch ${WORK.batchSize} x ${WORK.localConcurrency})`,
    async latency () {
      const id = randomUUID()
      const began = performance.now()
      const done = listener.done(id)
      await boss.send('latency', { filters: {} }, { id })
      await done
      return performance.now() - began
    },
    drain: (count, queued) => drainPgBoss(boss, url, count, queued, WORK, async () => {}),
    async close () {
      await listener.close()
      await boss.stop({ graceful: false })
    }
  }
}

/**
 * The drain of both pg-boss peers: `count` jobs inserted into the 'drain' queue, `queued`, then a
 * worker with `work`'s options and `settle` as its handler, timed until the queue holds none.
 */
export async function drainPgBoss<R> (
  boss: PgBoss, url: string, count: number, queued: (() => Promise<void>) | undefined, work: WorkOptions, settle: (jobs: Array<{ id: string }>) => Promise<R>
): Promise<number> {
  for (let i = 0; i < count; i += 1000) {
    await boss.insert('drain', Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ data: { filters: { window: i + j } } })))
  }
  await queued?.()
  const clock = new DrainClock()
  await boss.work('drain', work, async (jobs) => { clock.mark(); return await settle(jobs) })
  const rate = await clock.jobsPerSecond(count, async () =>
    (await sql(url, "select count(*)::int as n from pgboss.job where name = 'drain' and state <> 'completed'"))[0].n)
  await boss.offWork('drain', { wait: true })
  return rate
}
