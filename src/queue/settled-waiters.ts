// Requests waiting for jobs to settle, by job id. Whatever learns that a job settled (a NOTIFY
// from the job-settled trigger, or a poll of the job table) wakes its waiters here; a waiter
// woken for another reason (a reconnect) simply looks at its job again.
export interface SettledWaitOptions {
  timeoutMs: number
  /** Ends the wait early, e.g. when the client goes away; also releases the waiter. */
  signal?: AbortSignal
}

/** What the calendar routes need to wait for a job (JobSettledListener or JobSettledPoller). */
export interface JobSettledWaits {
  /**
   * Resolves when the job settles, the timeout passes, the signal aborts or the waits close.
   * Registers synchronously: call it BEFORE reading the job's state, so a settle between that
   * read and the wait cannot be missed.
   */
  settled (id: string, options: SettledWaitOptions): Promise<void>
  /** false once closed: waiting then would return at once, so callers should not. */
  readonly listening: boolean
  /** Number of requests waiting, for tests and metrics. */
  readonly waiting: number
  /** Wake every waiter to look again. */
  wakeAll (): void
  /**
   * This process settled the job itself (an inline worker completed it, see complete-here.ts):
   * wake its waiters now, without waiting for the database to say so.
   */
  settledHere (id: string): void
  close (): Promise<void>
}

export class SettledWaiters {
  readonly #waiters = new Map<string, Set<() => void>>()
  #open = true

  wait (id: string, { timeoutMs, signal }: SettledWaitOptions): Promise<void> {
    return new Promise((resolve) => {
      if (!this.#open || signal?.aborted) return resolve()
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

  get open (): boolean {
    return this.#open
  }

  /** The job ids someone waits for. */
  get ids (): string[] {
    return [...this.#waiters.keys()]
  }

  get size (): number {
    let count = 0
    for (const set of this.#waiters.values()) count += set.size
    return count
  }

  wake (id: string): void {
    for (const done of [...(this.#waiters.get(id) ?? [])]) done()
  }

  wakeAll (): void {
    for (const id of this.ids) this.wake(id)
  }

  /** Wake everyone; later waits resolve at once. */
  close (): void {
    this.#open = false
    this.wakeAll()
  }
}
