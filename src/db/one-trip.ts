// A transaction in one round trip: BEGIN, its statements and COMMIT go out together, none
// waiting for the answer to the one before (node-postgres's pipeline mode, which createPool turns
// on). Postgres runs them in order. When one fails, every later one fails too ("current
// transaction is aborted") and the COMMIT rolls the transaction back: all of it commits, or none.
// For transactions whose statements need no answer from each other: the calendar job's store and
// completion (src/calendar/job.ts) took 4 round trips, one after another, on every job's path.
// kysely sends one statement at a time, so this takes its own connection from the pool.
import type pg from 'pg'

/** Sends one statement of the transaction; its answer (or error) comes when Postgres has run it. */
export type Send = (text: string, values?: readonly unknown[]) => Promise<pg.QueryResult>

/**
 * Runs `statements` (which send the transaction's statements and resolve once they have all been
 * sent, with whatever the caller wants back) between BEGIN and COMMIT. Resolves once everything
 * is answered: `committed` is false when a statement failed and the COMMIT rolled back. A
 * `statements` that throws rolls back what it sent and rethrows.
 */
export type OneTripTransaction = <T>(statements: (send: Send) => Promise<T>) => Promise<{ committed: boolean, value: T }>

export function oneTripTransactions (pool: pg.Pool): OneTripTransaction {
  return async function <T> (statements: (send: Send) => Promise<T>) {
    const client = await pool.connect()
    const answers: Array<Promise<unknown>> = []
    let ended = false
    const send: Send = (text, values = []) => {
      // Once COMMIT or ROLLBACK is sent, the connection may go to someone else: nothing more of ours.
      if (ended) throw new Error('one-trip transaction: a statement sent after its end')
      const answer = client.query(text, values as unknown[])
      answers.push(answer.catch(() => {})) // each caller reads its own; here only: all answered
      return answer
    }
    // A connection whose transaction did not end in a known state is closed, not reused.
    let broken: Error | undefined
    try {
      send('begin') // (its answer is awaited with the others below)
      let value: T
      try {
        value = await statements(send)
      } catch (error) {
        const rollback = send('rollback')
        ended = true
        await Promise.all(answers)
        await rollback.catch((rollbackError: unknown) => { broken = rollbackError as Error })
        throw error
      }
      const commit = send('commit')
      ended = true
      await Promise.all(answers)
      // A failed statement turns the COMMIT into a rollback: Postgres answers it as ROLLBACK.
      const { command } = await commit.catch((error: unknown) => { broken = error as Error; throw error })
      return { committed: command === 'COMMIT', value }
    } finally {
      client.release(broken)
    }
  }
}
