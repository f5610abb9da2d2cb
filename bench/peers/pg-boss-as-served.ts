// pg-boss 12 as this service runs it, with a handler that does nothing: started by the service's
// own startBoss (src/queue/boss.ts: prepared statements with generic plans, one worker loop woken
// per NOTIFY), the calendar queue's options (src/calendar/queue.ts), its fetch options with
// per-job results (calendarWorkOptions, src/calendar/consumers.ts), jobs queued through its
// JobSubmitter (pg-boss's insert), and the start committed without waiting for the disk
// (migration 0009's trigger, here for this peer's queues). Left out: task history, claims, the calendar and HTTP. Beside the
// bare queue it says what pg-boss's own statements and loop cost; job-latency says the rest.
import { randomUUID } from 'node:crypto'
import { calendarWorkOptions } from '../../src/calendar/consumers.ts'
import { ICAL_DEAD_LETTER_QUEUE, deadLetterQueueOptions, icalQueueOptions } from '../../src/calendar/queue.ts'
import { loadConfig, withDatabaseUrl } from '../../src/config.ts'
import { createLogger } from '../../src/logger.ts'
import { startBoss } from '../../src/queue/boss.ts'
import { JobSubmitter } from '../../src/queue/submitter.ts'
import { sql } from '../lib/database.ts'
import { DoneListener, attachDoneTrigger } from './done-listener.ts'
import { drainPgBoss } from './pg-boss-alone.ts'
import type { QueuePeer } from './queue-peer.ts'

// As migration 0009 does for the calendar queue (0010's refinement concerns the service's own settle).
const START_WITHOUT_FLUSH = `
  create or replace function bench_commit_without_flush() returns trigger language plpgsql as $$
  begin perform set_config('synchronous_commit', 'off', true); return null; end $$;
  create trigger bench_started_commit after update of state on pgboss.job for each row
    when (new.name in ('latency', 'drain') and new.state = 'active') execute function bench_commit_without_flush();`

export async function pgBossAsServed (url: string): Promise<QueuePeer> {
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), url)
  const work = calendarWorkOptions(config.worker)
  const options = icalQueueOptions(config.jobs, config.queue.listenNotify)
  const boss = await startBoss(config, createLogger('silent'), 'bench', [
    { name: ICAL_DEAD_LETTER_QUEUE, options: deadLetterQueueOptions(config.jobs) },
    { name: 'latency', options },
    { name: 'drain', options }
  ])
  const done = (jobs: Array<{ id: string }>) => jobs.map(({ id }) => ({ id, status: 'completed' as const }))
  try {
    await sql(url, START_WITHOUT_FLUSH)
    await attachDoneTrigger(url, 'pgboss.job', 'update of state', "NEW.name = 'latency' and NEW.state = 'completed'", 'NEW.id::text')
    const listener = await DoneListener.start(url)
    const submitter = new JobSubmitter<object>(boss, 'latency')
    await boss.work('latency', work, async (jobs) => done(jobs))

    return {
      label: `pg-boss 12 as this service runs it (prepared, one loop woken per NOTIFY, batch ${work.batchSize} x ${work.localConcurrency})`,
      async latency () {
        const id = randomUUID()
        const began = performance.now()
        const settled = listener.done(id)
        await submitter.submit({ filters: {} }, id)
        await settled
        return performance.now() - began
      },
      drain: (count, queued) => drainPgBoss(boss, url, count, queued, work, async (jobs) => done(jobs)),
      async close () {
        await listener.close()
        await boss.stop({ graceful: false })
      }
    }
  } catch (error) {
    await boss.stop({ graceful: false })
    throw error
  }
}
