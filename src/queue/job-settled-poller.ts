// "Tell me when this job is done" without LISTEN, for QUEUE_LISTEN_NOTIFY=false (the setting for
// PgBouncer in transaction mode). There a LISTEN runs on whichever server session the pooler
// lends for that one statement; notifications reaching that session while it sits idle in the
// pool are dropped (PgBouncer 1.18 logs "got packet 'A' from server when not linked"), so a
// LISTEN-based `?wait=N` would quietly last its full N seconds. Instead, while anyone waits, one
// query per tick asks which of the awaited jobs are still running and wakes the waiters of the
// others: `?wait=N` answers within about one tick of the job settling, at one indexed query per
// tick per API process, however many requests wait.
import type { Db } from 'pg-boss'
import { SettledWaiters, type JobSettledWaits, type SettledWaitOptions } from './settled-waiters.ts'

export const SETTLED_POLL_MS = 250

// By id alone (job ids are uuids), so one poller serves the jobs of any queue.
const STILL_RUNNING = `
  SELECT id::text AS id FROM pgboss.job
   WHERE id = ANY($1::uuid[]) AND state IN ('created', 'retry', 'active')`

export class JobSettledPoller implements JobSettledWaits {
  readonly #waiters = new SettledWaiters()
  readonly #db: Db
  readonly #intervalMs: number
  #timer: NodeJS.Timeout | undefined
  #polling: Promise<void> | undefined

  constructor (db: Db, intervalMs = SETTLED_POLL_MS) {
    this.#db = db
    this.#intervalMs = intervalMs
  }

  settled (id: string, options: SettledWaitOptions): Promise<unknown> {
    const wait = this.#waiters.wait(id, options)
    this.#schedule()
    return wait
  }

  get listening (): boolean {
    return this.#waiters.open
  }

  get waiting (): number {
    return this.#waiters.size
  }

  wakeAll (): void {
    this.#waiters.wakeAll()
  }

  settlingHere (id: string): (job?: unknown) => void {
    return this.#waiters.settlingHere(id)
  }

  // A poll finds a settle only if someone waits for that job when it runs: a job queued here may
  // have settled unnoticed, so a waiter always reads it first.
  expect (_id: string): void {}
  forget (_id: string): void {}
  knownUnsettled (_id: string): boolean {
    return false
  }

  async close (): Promise<void> {
    this.#waiters.close()
    clearTimeout(this.#timer)
    this.#timer = undefined
    await this.#polling
  }

  #schedule (): void {
    if (this.#timer || this.#polling || !this.#waiters.open || this.#waiters.size === 0) return
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#polling = this.#poll().finally(() => {
        this.#polling = undefined
        this.#schedule()
      })
    }, this.#intervalMs)
  }

  async #poll (): Promise<void> {
    const ids = this.#waiters.ids
    if (ids.length === 0) return
    try {
      const { rows } = await this.#db.executeSql(STILL_RUNNING, [ids])
      const running = new Set((rows as Array<{ id: string }>).map((r) => r.id))
      // Settled, or gone (deleted): either way the waiter's own read says what became of it.
      for (const id of ids) if (!running.has(id)) this.#waiters.wake(id)
    } catch {
      // Database away: the next tick asks again; each wait still ends at its deadline, and the
      // request's own read of the job reports the outage (503).
    }
  }
}
