// What the queue-level benchmark asks of each queue it compares (pg-boss alone, BullMQ,
// graphile-worker, the bare Postgres queue), each with a trivial handler, in this process.
import { setTimeout as sleep } from 'node:timers/promises'

export interface QueuePeer {
  /** how the table names it, with the settings that matter */
  label: string
  /** One job: enqueue -> the queue has recorded it done and the producer has heard so, in ms. */
  latency (): Promise<number>
  /**
   * `count` jobs queued while no worker runs, then one worker (this process) started: jobs per
   * second from the first job handed to the handler to the queue counting them all done.
   * `queued` runs once the backlog is in, before the worker starts.
   */
  drain (count: number, queued?: () => Promise<void>): Promise<number>
  close (): Promise<void>
}

/** The drain clock: the handler marks the first job; `remaining` is polled until it reaches 0. */
export class DrainClock {
  firstStarted: number | undefined
  readonly mark = () => { this.firstStarted ??= performance.now() }

  /** Polls every 10 ms, the same for every queue: fine-grained next to drains of a second or more. */
  async jobsPerSecond (count: number, remaining: () => Promise<number>, timeoutMs = 600_000): Promise<number> {
    const deadline = Date.now() + timeoutMs
    while (await remaining() > 0) {
      if (Date.now() > deadline) throw new Error(`drain: jobs still pending after ${timeoutMs} ms`)
      await sleep(10)
    }
    return count / ((performance.now() - this.firstStarted!) / 1000)
  }
}
