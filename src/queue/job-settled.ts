// "Tell me when this job is done", answered by Postgres itself. A trigger on pg-boss's job table
// (created by a migration: db/migrations/0004_job_settled_trigger.ts) NOTIFYs on a channel whenever
// a job of the queues it watches reaches a final state, whoever moved it there: a worker that
// completed or failed it, a cancel, or pg-boss's supervisor expiring it. The notification is sent
// when that transaction commits, so a state read after the wake-up sees the final state. A
// process LISTENs on one connection and wakes the requests waiting on that job; nothing polls.
import type { Db } from 'pg-boss'
import { SettledWaiters, type JobSettledWaits, type SettledWaitOptions } from './settled-waiters.ts'

export class JobSettledListener implements JobSettledWaits {
  readonly #waiters = new SettledWaiters()
  #close: (() => Promise<void>) | undefined

  /** Listen on pg-boss's own reconnecting LISTEN connection support (one extra connection). */
  static async start (db: Db, channel: string): Promise<JobSettledListener> {
    if (!db.listen) throw new Error('this pg-boss database adapter cannot LISTEN')
    const listener = new JobSettledListener()
    // After a reconnect, notifications sent while disconnected are lost: wake everyone so each
    // waiter re-reads its job's state.
    const handle = await db.listen(channel, (id) => listener.#waiters.wake(id), () => listener.wakeAll())
    listener.#close = () => handle.close()
    return listener
  }

  settled (id: string, options: SettledWaitOptions): Promise<unknown> {
    if (this.#close === undefined) return Promise.resolve()
    return this.#waiters.wait(id, options)
  }

  get listening (): boolean {
    return this.#close !== undefined
  }

  get waiting (): number {
    return this.#waiters.size
  }

  async close (): Promise<void> {
    const close = this.#close
    this.#close = undefined
    this.#waiters.close()
    await close?.()
  }

  /** Wake every waiter to look again (after a reconnect, notifications may have been missed). */
  wakeAll (): void {
    this.#waiters.wakeAll()
  }

  settlingHere (id: string): (job?: unknown) => void {
    return this.#waiters.settlingHere(id)
  }

  // Every settle NOTIFYs, so a job queued here with no NOTIFY since is not settled (or settled so
  // recently that its NOTIFY is on its way, and will wake the waiter).
  expect (id: string): void {
    if (this.listening) this.#waiters.expect(id)
  }

  forget (id: string): void {
    this.#waiters.forget(id)
  }

  knownUnsettled (id: string): boolean {
    return this.listening && this.#waiters.knownUnsettled(id)
  }
}
