// The floor of any Postgres queue on this machine: the fewest statements a queue can do with the
// guarantees pg-boss gives here, hand-written with node-postgres and named (prepared) statements,
// no library around them. Queuing is one INSERT whose commit waits for the disk and NOTIFYs a
// worker; the worker, LISTENing, takes jobs with one UPDATE ... FOR UPDATE SKIP LOCKED (its
// commit not waiting for the disk, as migration 0009 makes pg-boss's fetch) and completes them
// with one UPDATE whose commit does wait. No retries, expiry, heartbeats, history or
// supervision: what it measures is what the round trips and commits themselves cost, so that a
// gap to BullMQ can be split into "Postgres" and "the library on top of it". A floor for latency
// only: its drain, one untuned loop of batches of 50, is slower than pg-boss's.
import pg from 'pg'
import { sql } from '../lib/database.ts'
import { DoneListener, attachDoneTrigger } from './done-listener.ts'
import { DrainClock, type QueuePeer } from './queue-peer.ts'

const BATCH = 50

const SCHEMA = `
  create schema if not exists floor;
  create table if not exists floor.job (id bigint generated always as identity primary key, queue text not null,
    state text not null default 'created', data jsonb not null);
  create index if not exists job_created on floor.job (queue, id) where state = 'created';
  create or replace function floor.wake() returns trigger language plpgsql as $$
  begin perform pg_notify('floor_' || NEW.queue, ''); return null; end $$;
  create or replace trigger wake after insert on floor.job for each row execute function floor.wake();`

const INSERT = { name: 'floor-insert', text: 'insert into floor.job (queue, data) values ($1, $2) returning id' }
const FETCH = {
  name: 'floor-fetch',
  // = any(array(...)), not in (...): with the limit a parameter, the generic plan of `in` joins
  // the whole table (a sequential scan per fetch once statistics count a backlog).
  text: `update floor.job set state = 'active' where id = any(array(
           select id from floor.job where queue = $1 and state = 'created' order by id limit $2 for update skip locked))
         returning id, data`
}
const COMPLETE = { name: 'floor-complete', text: "update floor.job set state = 'completed' where id = any($1::bigint[])" }

/** One worker: a LISTEN connection, one for fetching (commits unflushed) and one for completing. */
class FloorWorker {
  #running = false
  #again = false

  readonly queue: string
  readonly listen: pg.Client
  readonly fetch: pg.Client
  readonly complete: pg.Client
  readonly handler: () => void

  private constructor (queue: string, [listen, fetch, complete]: pg.Client[], handler: () => void) {
    this.queue = queue
    this.listen = listen!
    this.fetch = fetch!
    this.complete = complete!
    this.handler = handler
  }

  static async start (url: string, queue: string, handler: () => void): Promise<FloorWorker> {
    const clients = [0, 1, 2].map(() => new pg.Client({ connectionString: url }))
    await Promise.all(clients.map((c) => c.connect()))
    const worker = new FloorWorker(queue, clients, handler)
    await worker.fetch.query('set synchronous_commit = off')
    worker.listen.on('notification', () => worker.wake())
    await worker.listen.query(`listen floor_${queue}`)
    worker.wake() // jobs queued before it listened
    return worker
  }

  /** Fetch until a batch comes back short; a wake-up meanwhile fetches once more. */
  wake (): void {
    if (this.#running) { this.#again = true; return }
    this.#running = true
    // No retries here: a failed fetch or completion stops the benchmark rather than hanging it.
    this.#loop().catch((error) => { console.error('bare pg queue:', error); process.exit(1) })
  }

  async #loop (): Promise<void> {
    do {
      this.#again = false
      let full = true
      while (full) {
        const { rows } = await this.fetch.query({ ...FETCH, values: [this.queue, BATCH] })
        for (let i = 0; i < rows.length; i++) this.handler()
        if (rows.length > 0) await this.complete.query({ ...COMPLETE, values: [rows.map((r) => r.id)] })
        full = rows.length === BATCH
      }
    } while (this.#again)
    this.#running = false
  }

  async close (): Promise<void> {
    await Promise.all([this.listen.end(), this.fetch.end(), this.complete.end()])
  }
}

export async function barePgQueue (url: string): Promise<QueuePeer> {
  await sql(url, SCHEMA)
  await attachDoneTrigger(url, 'floor.job', 'update of state', "NEW.queue = 'latency' and NEW.state = 'completed'", 'NEW.id::text')
  const listener = await DoneListener.start(url)
  const producer = new pg.Client({ connectionString: url })
  await producer.connect()
  const worker = await FloorWorker.start(url, 'latency', () => {})

  return {
    label: `a bare Postgres queue (hand-written SQL, prepared, LISTEN/NOTIFY, batch ${BATCH})`,
    async latency () {
      const began = performance.now()
      const { rows } = await producer.query({ ...INSERT, values: ['latency', { filters: {} }] })
      await listener.done(String(rows[0].id))
      return performance.now() - began
    },
    async drain (count, queued) {
      for (let i = 0; i < count; i += 1000) {
        const data = Array.from({ length: Math.min(1000, count - i) }, (_, j) => ({ filters: { window: i + j } }))
        await producer.query('insert into floor.job (queue, data) select $1, d from jsonb_array_elements($2::jsonb) d', ['drain', JSON.stringify(data)])
      }
      await queued?.()
      const clock = new DrainClock()
      const drainer = await FloorWorker.start(url, 'drain', clock.mark)
      const rate = await clock.jobsPerSecond(count, async () =>
        (await sql(url, "select count(*)::int as n from floor.job where queue = 'drain' and state <> 'completed'"))[0].n)
      await drainer.close()
      return rate
    },
    async close () {
      await worker.close()
      await producer.end()
      await listener.close()
    }
  }
}
