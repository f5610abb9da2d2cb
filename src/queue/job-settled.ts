// "Tell me when this job is done", answered by Postgres itself. A trigger on pg-boss's job table
// NOTIFYs whenever a calendar job reaches a final state, whoever moved it there: a worker that
// completed or failed it, the cancel endpoint, or pg-boss's supervisor expiring it. The
// notification is sent when that transaction commits, so a status read after the wake-up sees
// the final state. API processes LISTEN on one connection and wake the requests waiting on
// `GET .../status?wait=N`; nothing polls the table.
import type { Db } from 'pg-boss'
import { ICAL_QUEUE } from './queues.ts'

// Also named in db/migrations/0003_notify_job_settled.ts, which creates the trigger function.
export const JOB_SETTLED_CHANNEL = 'taskoverflow_job_settled'
// Change the definition below -> bump the version: a trigger of that name is never replaced.
const TRIGGER = 'taskoverflow_ical_settled_v1'

/** Attach the trigger to pgboss.job once (idempotent, safe when several processes start at once). */
export async function attachJobSettledTrigger (db: Db): Promise<void> {
  try {
    await db.executeSql(ATTACH_TRIGGER)
  } catch (error) {
    if ((error as { code?: string }).code === '42883') { // undefined function: migration 0003 has not run
      throw new Error('The database has not been migrated: run `npm run migrate`, or start with MIGRATE_ON_START=true', { cause: error })
    }
    throw error
  }
}

const ATTACH_TRIGGER = `
    DO $$
    BEGIN
      PERFORM pg_advisory_xact_lock(hashtext('${TRIGGER}'));
      IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = '${TRIGGER}' AND tgrelid = 'pgboss.job'::regclass) THEN
        -- Completing and cancelling UPDATE the row; failing (also by expiry) deletes it and
        -- INSERTs it again in state retry or failed. Both paths end here.
        CREATE TRIGGER ${TRIGGER}
          AFTER INSERT OR UPDATE OF state ON pgboss.job
          FOR EACH ROW
          WHEN (NEW.name = '${ICAL_QUEUE}' AND NEW.state IN ('completed', 'failed', 'cancelled'))
          EXECUTE FUNCTION taskoverflow_notify_job_settled();
      END IF;
    END
    $$`

export interface SettledWaitOptions {
  timeoutMs: number
  /** Ends the wait early, e.g. when the client goes away; also releases the waiter. */
  signal?: AbortSignal
}

export class JobSettledListener {
  readonly #waiters = new Map<string, Set<() => void>>()
  #close: (() => Promise<void>) | undefined

  /** Listen on pg-boss's own reconnecting LISTEN connection support (one extra connection). */
  static async start (db: Db): Promise<JobSettledListener> {
    if (!db.listen) throw new Error('this pg-boss database adapter cannot LISTEN')
    const listener = new JobSettledListener()
    // After a reconnect, notifications sent while disconnected are lost: wake everyone so each
    // waiter re-reads its job's state.
    const handle = await db.listen(JOB_SETTLED_CHANNEL, (id) => listener.#wake(id), () => listener.wakeAll())
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
