// Waking one worker per queued job, not all of them. pg-boss's own listener wakes EVERY worker of
// a queue on each NOTIFY (Manager.notifyQueue), and every one of them fetches: with
// WORKER_CONCURRENCY=4 that is four fetches, three of them empty, for each job of an idle queue,
// all competing for the same two cores as the one that matters (the latency benchmark's stage
// breakdown counted 4 fetches per job). So pg-boss runs without its listener, and this one
// LISTENs on pg-boss's channel (the same NOTIFYs: a queuing INSERT's, the crash sweep's) and wakes
// one idle worker of the queue named, round robin. A worker woken counts as busy until it has
// fetched. With none idle, every worker of the queue is told: each fetches again as soon as its
// batch is done instead of after its polling interval. A worker told while its fetch is running
// fetches once more afterwards (pg-boss keeps the flag), so a job that committed just after a
// fetch read the queue is still picked up at once.
//
// One NOTIFY may stand for many jobs (the submitter queues requests in groups): a worker whose
// fetch came back full calls wakeOneWorker again (src/calendar/consumers.ts), so a burst is shared
// by the loops as it was when pg-boss woke them all.
import { createHash } from 'node:crypto'
import type { PgBoss } from 'pg-boss'

/** pg-boss's NOTIFY channel for a schema (its plans.notifyChannelSql, computed here). */
export const bossChannel = (schema = 'pgboss') =>
  `pgboss_${createHash('sha224').update(schema).digest('hex').slice(0, 24)}`

interface WakeState {
  /** workers woken and not yet back from their fetch: id -> their lastFetchedOn when woken */
  woken: Map<string, number | null>
  turn: number
}
const states = new WeakMap<PgBoss, WakeState>()

/** Wake one idle worker of this queue in this process (or, with none idle, tell them all). */
export function wakeOneWorker (boss: PgBoss, queue: string): void {
  let state = states.get(boss)
  if (!state) states.set(boss, state = { woken: new Map(), turn: 0 })
  const workers = boss.getWipData().filter((w) => w.name === queue && w.state === 'active')
  const { woken } = state
  for (const [id, fetchedOn] of woken) {
    const worker = workers.find((w) => w.id === id)
    if (!worker || worker.lastFetchedOn !== fetchedOn) woken.delete(id)
  }
  const idle = workers.filter((w) => w.count === 0 && !woken.has(w.id))
  if (idle.length === 0) {
    for (const worker of workers) boss.notifyWorker(worker.id)
    return
  }
  const next = idle[state.turn++ % idle.length]!
  woken.set(next.id, next.lastFetchedOn)
  boss.notifyWorker(next.id)
}

export interface WakeListener { close (): Promise<void> }

/** LISTEN on pg-boss's channel and wake one worker per NOTIFY (needs a direct connection). */
export async function wakeOneWorkerPerNotify (boss: PgBoss, schema = 'pgboss'): Promise<WakeListener> {
  const db = boss.getDb()
  if (!db.listen) throw new Error('this pg-boss database adapter cannot LISTEN')
  // After a reconnect, notifications sent meanwhile are lost: every worker fetches once.
  const wakeAll = () => { for (const worker of boss.getWipData()) boss.notifyWorker(worker.id) }
  const handle = await db.listen(bossChannel(schema), (queue) => wakeOneWorker(boss, queue), wakeAll)
  return { close: () => handle.close() }
}
