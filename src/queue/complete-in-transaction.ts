// Completing a job inside the transaction that stores its result: one commit makes the result and
// the SUCCESS visible together (and durable together: migration 0010), one commit instead of two.
// The statements go out as one round trip (src/db/one-trip.ts), so the transaction cannot wait for
// the completion's answer before it stores: the store names its job by completedHere(), which is
// the job's id only when this transaction completed it. pg-boss's complete() is fenced to the
// attempt that was fetched, so a stale attempt completes nothing (attempt-guard.ts), its store
// then fails, and the whole transaction rolls back.
// pg-boss settles the job again after the handler; that statement is fenced to the active attempt
// and changes nothing.
import { sql, type RawBuilder } from 'kysely'
import type { PgBoss } from 'pg-boss'
import type { Send } from '../db/one-trip.ts'

export interface Completion {
  /** resolves once pg-boss's statement has been sent (or rejects if it never will be) */
  sent: Promise<void>
  /** whether it completed the job: false when its attempt was no longer the active one */
  completed: Promise<boolean>
}

export type CompleteInTransaction<O extends object> =
  (send: Send, job: { id: string, retryCount: number }, output: O) => Completion

export function completeInTransaction<O extends object> (boss: PgBoss, queue: string): CompleteInTransaction<O> {
  return (send, job, output) => {
    // pg-boss looks up its queue (cached) before it sends: the caller's next statements must wait
    // until it has, so that they run after it.
    const { promise: sent, resolve } = Promise.withResolvers<void>()
    const executeSql = (text: string, values: unknown[] = []) => {
      const answer = send(text, values)
      resolve()
      return answer
    }
    // pg-boss reports how many rows it changed (its typings do not show it yet).
    const completed = (boss.complete(queue, job, output, { db: { executeSql } }) as Promise<{ affected?: number }>)
      .then(({ affected }) => affected === 1)
    completed.catch(() => {}) // read by the caller, unless its transaction failed first
    return { sent: Promise.race([sent, completed.then(() => {})]), completed }
  }
}

/**
 * The job's id if this transaction has completed it (its row holds this transaction's id as the
 * writer: xmin), else null: an insert of a row that references the job by it fails, not null.
 * (The completion must run in the transaction itself, not in a savepoint, whose rows carry the
 * subtransaction's id: then every store would fail, loudly. A transaction that wrote nothing has
 * no id, and _if_assigned() gives null rather than assigning one.)
 */
export function completedHere (queue: string, id: string): RawBuilder<string> {
  return sql<string>`(select j.id from pgboss.job j where j.name = ${queue} and j.id = ${id} and j.xmin = pg_current_xact_id_if_assigned()::xid)`
}
