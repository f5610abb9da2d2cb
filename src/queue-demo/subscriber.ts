// Receives messages until stopped: prints each as it arrives (`[11:41:41] Client 1: Message 0`,
// with the publisher's name), completes it after printing, and counts what it saw for the
// summary. --fail-rate fails a share of deliveries on purpose and --slow-ms slows each one, to
// show what retries and slow consumers do to order on each kind of queue.
//
// Why fetch()/complete() in our own loops rather than pg-boss's work(): this is SQS's
// receive -> handle -> delete cycle, which the course teaches, and a loop fetches its next
// message as soon as it is done. work() with batchSize 1 waits a polling interval (0.5 s at the
// least) after every job, so a backlog of 100 would drain at 2 messages a second per loop.
// One message per fetch: at pg-boss 12.3x, batch fetches on key_strict_fifo queues can starve
// other keys behind a blocked one (NOTES-pg-boss.md), and nothing here sets priorities, which
// could reorder within a key.
import { setTimeout as sleep } from 'node:timers/promises'
import type { JobWithMetadata, PgBoss } from 'pg-boss'
import { blockedGroups, unblockCommand } from './blocked.ts'
import { deliveryLine, isDemoMessage, clock, type DemoMessage } from './message.ts'
import { RETRY_DELAY_SECONDS, type QueueKind } from './queue-kind.ts'
import { Tally } from './summary.ts'

// Several loops per subscriber: consumers work concurrently, so on a standard queue order is
// only best effort. On a FIFO queue the same loops keep each group in order, because the policy
// never hands out a group's next message while an earlier one is in flight.
export const SUBSCRIBER_LOOPS = 4
// How long an idle loop waits before asking again (its own timer; pg-boss's minimum of 0.5 s
// applies to work() only). Four loops asking five times a second is a light load.
const IDLE_POLL_MS = 200

export interface SubscribeOptions { queue: string, kind: QueueKind, failRate: number, slowMs: number }

export class Subscriber {
  readonly tally = new Tally()
  readonly #boss: PgBoss
  readonly #options: SubscribeOptions
  readonly #stop = new AbortController()
  #loops: Array<Promise<void>> = []

  constructor (boss: PgBoss, options: SubscribeOptions) {
    this.#boss = boss
    this.#options = options
  }

  start (): void {
    this.#loops = Array.from({ length: SUBSCRIBER_LOOPS }, () => this.#loop())
  }

  /** Stops fetching and waits for the messages in hand (they finish and are completed). */
  async stop (): Promise<void> {
    this.#stop.abort()
    await Promise.all(this.#loops)
  }

  async #loop (): Promise<void> {
    const { signal } = this.#stop
    while (!signal.aborted) {
      let job: JobWithMetadata<unknown> | undefined
      try {
        [job] = await this.#boss.fetch(this.#options.queue, { batchSize: 1, includeMetadata: true })
        if (job) await this.#handle(job)
      } catch (error) {
        console.error(`queue-demo: ${(error as Error).message}`)
        await sleep(1000, undefined, { signal }).catch(() => {})
        continue
      }
      if (!job) await sleep(IDLE_POLL_MS, undefined, { signal }).catch(() => {})
    }
  }

  async #handle (job: JobWithMetadata<unknown>): Promise<void> {
    const { queue, failRate, slowMs } = this.#options
    const attempt = { id: job.id, retryCount: job.retryCount } // settles this attempt only
    if (!isDemoMessage(job.data)) {
      console.log(`[${clock(new Date())}] (not a demo message, skipped: ${JSON.stringify(job.data).slice(0, 60)})`)
      await this.#boss.complete(queue, attempt)
      return
    }
    const message: DemoMessage = job.data
    if (slowMs > 0) await sleep(slowMs)
    const receivedAt = new Date()
    const line = deliveryLine(receivedAt, message, job.retryCount + 1)
    if (failRate > 0 && Math.random() < failRate) {
      console.log(`${line}  -> failed on purpose, ${this.#afterFailure(job, message)}`)
      await this.#boss.fail(queue, attempt, { error: 'failed on purpose (--fail-rate)' })
      return
    }
    console.log(line)
    this.tally.record({ message, receivedAt })
    await this.#boss.complete(queue, attempt)
  }

  #afterFailure (job: JobWithMetadata<unknown>, message: DemoMessage): string {
    if (job.retryCount < job.retryLimit) return `back in the queue in ${RETRY_DELAY_SECONDS} s`
    if (this.#options.kind === 'standard') return 'for good: the other messages carry on without it'
    return `for good: group "${message.publisher}" is blocked until someone runs ` +
      unblockCommand(this.#options.queue, message.publisher)
  }
}

export async function blockedGroupsLine (boss: PgBoss, queue: string, kind: QueueKind): Promise<string | undefined> {
  if (kind !== 'fifo') return undefined
  const groups = await blockedGroups(boss, queue)
  if (groups.length === 0) return 'Blocked groups: none'
  return `Blocked groups (a message failed for good and holds back the rest): ${groups.map((g) => JSON.stringify(g)).join(', ')}; ` +
    `unblock with ${unblockCommand(queue, groups[0]!)}`
}
