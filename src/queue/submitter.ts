// Queuing jobs in groups. Requests that arrive while a queuing INSERT is running are queued
// together by the next one: one statement and one commit for all of them (group commit, done
// by the application). An idle service queues each job at once, as pg-boss's send() would; a
// busy one makes far fewer round trips and commits. A job is reported queued only once the
// INSERT that holds it has committed.
import { randomUUID } from 'node:crypto'
import type { PgBoss } from 'pg-boss'

interface Waiting<T> { id: string, data: T, done: (error?: unknown) => void }

export class JobSubmitter<T extends object> {
  readonly #boss: PgBoss
  readonly #queue: string
  readonly #maxInFlight: number
  readonly #maxBatch: number
  readonly #waiting: Array<Waiting<T>> = []
  readonly #onQueued: (count: number) => void
  #inFlight = 0

  /** onQueued: told how many jobs each committed INSERT queued (metrics count them there). */
  constructor (boss: PgBoss, queue: string, { maxInFlight = 2, maxBatch = 500, onQueued = (_count: number) => {} } = {}) {
    this.#boss = boss
    this.#onQueued = onQueued
    this.#queue = queue
    this.#maxInFlight = maxInFlight
    this.#maxBatch = maxBatch
  }

  /** Queue a job (under `id`, if given); resolves to its id once it is committed. */
  submit (data: T, id: string = randomUUID()): Promise<string> {
    return new Promise((resolve, reject) => {
      this.#waiting.push({ id, data, done: (error) => error === undefined ? resolve(id) : reject(error) })
      this.#flush()
    })
  }

  #flush (): void {
    if (this.#inFlight >= this.#maxInFlight || this.#waiting.length === 0) return
    const batch = this.#waiting.splice(0, this.#maxBatch)
    this.#inFlight++
    this.#boss.insert(this.#queue, batch.map(({ id, data }) => ({ id, data })))
      .then(() => {
        this.#onQueued(batch.length)
        for (const job of batch) job.done()
      }, (error: unknown) => { for (const job of batch) job.done(error) })
      .finally(() => {
        this.#inFlight--
        this.#flush()
      })
  }
}
