// pg-boss 12 as this service runs it (src/queue/boss.ts): prepared statements with generic
// plans, one worker loop woken per NOTIFY (wake-one.ts), the service's fetch options, and a
// handler that does nothing. Beside "pg-boss alone" (as it comes) and the bare Postgres queue, it
// says how much of the service's distance from the floor is pg-boss's own statements and loop,
// before the service adds HTTP, task history, claims and calendars.
import { randomUUID } from 'node:crypto'
import { loadConfig, withDatabaseUrl } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { startBoss } from '../../src/queue/boss.ts'
import { sql } from '../lib/database.ts'
import { DoneListener, attachDoneTrigger } from './done-listener.ts'
import { DrainClock, type QueuePeer } from './queue-peer.ts'

export async function pgBossAsServed (url: string): Promise<QueuePeer> {
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), url)
  const { worker } = config
  const work = {
    batchSize: worker.batchSize,
    localConcurrency: worker.concurrency,
    burstWhenBatchFull: true,
    pollingIntervalSeconds: worker.pollSeconds,
    notifyPollingIntervalSeconds: worker.pollSeconds
  }
  const queue = { policy: 'standard' as const, notify: true }
  const boss = await startBoss(config, createLogger('silent'), 'bench', [{ name: 'latency', options: queue }, { name: 'drain', options: queue }])
  await attachDoneTrigger(url, 'pgboss.job', 'update of state', "NEW.name = 'latency' and NEW.state = 'completed'", 'NEW.id::text')
  const listener = await DoneListener.start(url)
  await boss.work('latency', work, async () => {})

  return {
    label: `pg-boss 12 as this service runs it (prepared, one loop woken per NOTIFY, batch ${work.batchSize} x ${work.localConcurrency})`,
    async latency () {
      const id = randomUUID()
      const began = performance.now()
      const done = listener.done(id)
      await boss.send('latency', { filters: {} }, { id })
      await done
      return performance.now() - began
    },
    async drain (count, queued) {
      for (let i = 0; i < count; i += 1000) {
        await boss.insert('drain', Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ data: { filters: { window: i + j } } })))
      }
      await queued?.()
      const clock = new DrainClock()
      await boss.work('drain', work, async () => { clock.mark() })
      const rate = await clock.jobsPerSecond(count, async () =>
        (await sql(url, "select count(*)::int as n from pgboss.job where name = 'drain' and state <> 'completed'"))[0].n)
      await boss.offWork('drain', { wait: true })
      return rate
    },
    async close () {
      await listener.close()
      await boss.stop({ graceful: false })
    }
  }
}
