// Completing a job inside the transaction that stores its result: one commit makes the result and
// the SUCCESS visible together (and durable together: migration 0010), one commit instead of two.
// pg-boss's complete() is fenced to the attempt that was fetched, so it is the attempt guard as
// well (attempt-guard.ts): a stale attempt completes nothing, and its transaction rolls back.
// pg-boss settles the job again after the handler; that statement is fenced to the active attempt
// and changes nothing.
import { CompiledQuery, type Transaction } from 'kysely'
import type { PgBoss } from 'pg-boss'
import type { Database } from '../db/schema.ts'

/** Completes the job in `trx`; false when its attempt is no longer the active one (nothing changed). */
export type CompleteInTransaction<O extends object> =
  (trx: Transaction<Database>, job: { id: string, retryCount: number }, output: O) => Promise<boolean>

export function completeInTransaction<O extends object> (boss: PgBoss, queue: string): CompleteInTransaction<O> {
  return async (trx, job, output) => {
    const db = { executeSql: (text: string, values: unknown[] = []) => trx.executeQuery(CompiledQuery.raw(text, values)) }
    // pg-boss reports how many rows it changed (its typings do not show it yet).
    const { affected } = await boss.complete(queue, job, output, { db }) as { affected?: number }
    return affected === 1
  }
}
