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
   * read and the wait cannot be missed. Resolves with the settled job when this process settled
   * it and handed it over (settlingHere), so the waiter need not read it back; else undefined.
   */
  settled (id: string, options: SettledWaitOptions): Promise<unknown>
  /** false once closed: waiting then would return at once, so callers should not. */
  readonly listening: boolean
  /** Number of requests waiting, for tests and metrics. */
  readonly waiting: number
  /** Wake every waiter to look again. */
  wakeAll (): void
  /**
   * This process is about to commit the job's settle itself (an inline worker completing it, see
   * src/calendar/job.ts). Until the returned function is called, news of the job from elsewhere
   * (its NOTIFY, which may arrive before the commit's own answer, or a poll) wakes nobody: the
   * function wakes the waiters, handing them the job as committed, or (called without it: the
   * commit failed) telling them to look again. Call it exactly once, whatever happens.
   */
  settlingHere (id: string): (job?: unknown) => void
  /**
   * This process is about to queue the job (before its INSERT is sent: any news of it comes
   * after). Until news of its settle arrives, knownUnsettled(id) says so, and a request waiting
   * for it need not read it first: it could only find it unfinished. forget(): it was not queued.
   */
  expect (id: string): void
  forget (id: string): void
  /** True only while that is known for sure (a LISTEN that has not broken since; a poller never knows). */
  knownUnsettled (id: string): boolean
  close (): Promise<void>
}

/** Jobs remembered as queued here and not settled; the oldest are dropped beyond this (they are read again). */
export const EXPECTED_MAX = 10_000

export class SettledWaiters {
  readonly #waiters = new Map<string, Set<(settled?: unknown) => void>>()
  /** jobs whose settle this process is committing, and how many times (see settlingHere) */
  readonly #settlingHere = new Map<string, number>()
  /** jobs queued here with no news of their settle yet, oldest first (see JobSettledWaits.expect) */
  readonly #expected = new Set<string>()
  #open = true

  expect (id: string): void {
    if (!this.#open) return
    this.#expected.add(id)
    if (this.#expected.size > EXPECTED_MAX) this.#expected.delete(this.#expected.values().next().value!)
  }

  forget (id: string): void {
    this.#expected.delete(id)
  }

  knownUnsettled (id: string): boolean {
    return this.#expected.has(id)
  }

  wait (id: string, { timeoutMs, signal }: SettledWaitOptions): Promise<unknown> {
    return new Promise((resolve) => {
      if (!this.#open || signal?.aborted) return resolve(undefined)
      const waiters = this.#waiters.get(id) ?? new Set()
      this.#waiters.set(id, waiters)
      const done = (settled?: unknown) => {
        clearTimeout(timer)
        signal?.removeEventListener('abort', stop)
        waiters.delete(done)
        if (waiters.size === 0 && this.#waiters.get(id) === waiters) this.#waiters.delete(id)
        resolve(settled)
      }
      const stop = () => done()
      const timer = setTimeout(stop, timeoutMs)
      signal?.addEventListener('abort', stop, { once: true })
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

  /** News that the job settled, from the database: wakes its waiters to look again. */
  wake (id: string): void {
    this.#expected.delete(id)
    if (!this.#settlingHere.has(id)) this.#wakeWith(id, undefined)
  }

  /** JobSettledWaits.settlingHere */
  settlingHere (id: string): (job?: unknown) => void {
    this.#settlingHere.set(id, (this.#settlingHere.get(id) ?? 0) + 1)
    let called = false
    return (job) => {
      if (called) return
      called = true
      const left = this.#settlingHere.get(id)! - 1
      if (left > 0) this.#settlingHere.set(id, left)
      else this.#settlingHere.delete(id)
      this.#expected.delete(id) // settled, or (without a job) to be looked at again
      this.#wakeWith(id, job)
    }
  }

  #wakeWith (id: string, settled: unknown): void {
    for (const done of [...(this.#waiters.get(id) ?? [])]) done(settled)
  }

  /** Everyone looks again (a reconnect: news may have been missed, so nothing is known unsettled now). */
  wakeAll (): void {
    this.#expected.clear()
    for (const id of this.ids) this.#wakeWith(id, undefined)
  }

  /** Wake everyone; later waits resolve at once. */
  close (): void {
    this.#open = false
    this.wakeAll()
  }
}
