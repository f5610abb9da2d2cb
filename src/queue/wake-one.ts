// Waking one worker per queued job, not all of them. pg-boss's own listener wakes EVERY worker of
// a queue on each NOTIFY (Manager.notifyQueue), and every one of them fetches: with
// WORKER_CONCURRENCY=4 that is four fetches, three of them empty, for each job of an idle queue,
// all competing for the same two cores as the one that matters (the latency benchmark's stage
// breakdown counted 4 fetches per job). So pg-boss runs without its listener, and this one
// LISTENs on pg-boss's channel (the same NOTIFYs: a queuing INSERT's, the crash sweep's) and wakes
// one idle worker of the queue named, round robin. With none idle, every worker of the queue is
// told: each fetches again as soon as its batch is done instead of after its polling interval.
// A worker told while its fetch is running fetches once more afterwards (pg-boss keeps the flag),
// so a job that committed just after a fetch read the queue is still picked up at once.
import { createHash } from 'node:crypto'
import type { PgBoss } from 'pg-boss'

/** pg-boss's NOTIFY channel for a schema (its plans.notifyChannelSql, computed here). */
export const bossChannel = (schema = 'pgboss') =>
  `pgboss_${createHash('sha224').update(schema).digest('hex').slice(0, 24)}`

export interface WakeListener { close (): Promise<void> }

export async function wakeOneWorkerPerNotify (boss: PgBoss, schema = 'pgboss'): Promise<WakeListener> {
  const db = boss.getDb()
  if (!db.listen) throw new Error('this pg-boss database adapter cannot LISTEN')
  const turn = new Map<string, number>()
  const wakeOne = (queue: string) => {
    const workers = boss.getWipData().filter((w) => w.name === queue && w.state === 'active')
    const idle = workers.filter((w) => w.count === 0)
    if (idle.length === 0) {
      for (const worker of workers) boss.notifyWorker(worker.id)
      return
    }
    const next = (turn.get(queue) ?? 0) % idle.length
    turn.set(queue, next + 1)
    boss.notifyWorker(idle[next]!.id)
  }
  // After a reconnect, notifications sent meanwhile are lost: every worker fetches once.
  const wakeAll = () => { for (const worker of boss.getWipData()) boss.notifyWorker(worker.id) }
  const handle = await db.listen(bossChannel(schema), wakeOne, wakeAll)
  return { close: () => handle.close() }
}
