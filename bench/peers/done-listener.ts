// Completion heard from Postgres, for the Postgres queues of the queue-level benchmark: a trigger
// on the queue's job table NOTIFYs the job's id when it is done (the notification leaves on
// commit, so "heard" means "committed"). Both Postgres queues pay the same trigger; BullMQ users
// hear completions through QueueEvents (Redis streams) instead.
import pg from 'pg'

export const DONE_CHANNEL = 'bench_job_done'

/**
 * Create the trigger on `table`: AFTER `event` FOR EACH ROW WHEN `when`, notifying `id`
 * (an expression over NEW or OLD).
 */
export async function attachDoneTrigger (url: string, table: string, event: string, when: string, id: string): Promise<void> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    await client.query(`
      create or replace function bench_notify_done() returns trigger language plpgsql as $$
      begin
        perform pg_notify('${DONE_CHANNEL}', ${id});
        return null;
      end $$`)
    await client.query(`create trigger bench_done after ${event} on ${table} for each row when (${when}) execute function bench_notify_done()`)
  } finally {
    await client.end()
  }
}

export class DoneListener {
  readonly #waiters = new Map<string, () => void>()
  // Ids heard before anyone waited for them (a job may finish before its add() call returns).
  readonly #early = new Set<string>()
  readonly #client: pg.Client

  private constructor (client: pg.Client) { this.#client = client }

  static async start (url: string): Promise<DoneListener> {
    const client = new pg.Client({ connectionString: url })
    await client.connect()
    const listener = new DoneListener(client)
    client.on('notification', ({ payload }) => listener.#heard(payload!))
    await client.query(`listen ${DONE_CHANNEL}`)
    return listener
  }

  #heard (id: string): void {
    const waiter = this.#waiters.get(id)
    if (waiter) {
      this.#waiters.delete(id)
      waiter()
    } else {
      this.#early.add(id)
    }
  }

  done (id: string, timeoutMs = 10_000): Promise<void> {
    if (this.#early.delete(id)) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`job ${id}: no completion within ${timeoutMs} ms`)), timeoutMs)
      this.#waiters.set(id, () => { clearTimeout(timer); resolve() })
    })
  }

  close (): Promise<void> { return this.#client.end() }
}
