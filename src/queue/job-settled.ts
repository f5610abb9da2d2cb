// "Tell me when this job is done", answered by Postgres itself. A trigger on pg-boss's job table
// (created by a migration: db/migrations/0004_job_settled_trigger.ts) NOTIFYs on a channel whenever
// a job of the queues it watches reaches a final state, whoever moved it there: a worker that
// completed or failed it, a cancel, or pg-boss's supervisor expiring it. The notification is sent
// when that transaction commits, so a state read after the wake-up sees the final state. A
// process LISTENs on one connection and wakes the requests waiting on that job; nothing polls.
import type { Db } from 'pg-boss'

export interface SettledWaitOptions {
  timeoutMs: number
  /** Ends the wait early, e.g. when the client goes away; also releases the waiter. */
  signal?: AbortSignal
}

export class JobSettledListener {
  readonly #waiters = new Map<string, Set<() => void>>()
  #close: (() => Promise<void>) | undefined

  /** Listen on pg-boss's own reconnecting LISTEN connection support (one extra connection). */
  static async start (db: Db, channel: string): Promise<JobSettledListener> {
    if (!db.listen) throw new Error('this pg-boss database adapter cannot LISTEN')
    const listener = new JobSettledListener()
    // After a reconnect, notifications sent while disconnected are lost: wake everyone so each
    // waiter re-reads its job's state.
    const handle = await db.listen(channel, (id) => listener.#wake(id), () => listener.wakeAll())
    listener.#close = () => handle.close()
    return listener
  }

  /**
   * Resolves when the job settles, the timeout passes, the signal aborts or the listener closes.
   * Registers synchronously: call it BEFORE reading the job's state, so a settle between that read
   * and the wait cannot be missed.
   */
  settled (id: string, { timeoutMs, signal }: SettledWaitOptions): Promise<void> {
    return new Promise((resolve) => {
      if (this.#close === undefined || signal?.aborted) return resolve()
      const waiters = this.#waiters.get(id) ?? new Set()
      this.#waiters.set(id, waiters)
      const done = () => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', done)
        waiters.delete(done)
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id)
        resolve()
      }
      const timer = setTimeout(done, timeoutMs)
      signal?.addEventListener('abort', done, { once: true })
      waiters.add(done)
    })
  }

  /** false once closed: waiting then would return at once, so callers should not. */
  get listening (): boolean {
    return this.#close !== undefined
  }

  /** Number of requests waiting, for tests and metrics. */
  get waiting (): number {
    let count = 0
    for (const set of this.#waiters.values()) count += set.size
    return count
  }

  async close (): Promise<void> {
    const close = this.#close
    this.#close = undefined
    this.wakeAll()
    await close?.()
  }

  #wake (id: string): void {
    for (const done of [...(this.#waiters.get(id) ?? [])]) done()
  }

  /** Wake every waiter to look again (after a reconnect, notifications may have been missed). */
  wakeAll (): void {
    for (const id of [...this.#waiters.keys()]) this.#wake(id)
  }
}
