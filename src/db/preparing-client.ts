// A node-postgres Client that runs every single-statement query as a named prepared statement,
// for both pools (kysely's and pg-boss's). Postgres then parses and plans each distinct query
// text once per connection instead of on every call. Measured here: fetching a pg-boss batch
// 0.77 ms unprepared, 0.14 ms prepared; queuing a job 1.6 ms vs 1.0 ms; and less database CPU
// per API request, which on a small machine the API and the database share.
// The texts are a bounded set (the app's queries and pg-boss's), so the per-connection cache is too.
// pg-boss's pool also uses each statement's generic plan (useGenericPlans, below): Postgres
// otherwise plans a statement with parameters afresh at every call for as long as it prefers
// custom plans, which it kept doing for pg-boss's INSERT and completions (0.3-0.5 ms of planning
// each, per call, on the database's CPU: their bind step in the server log). Measured on a
// calendar job's latency: p50 8.1 vs 9.0 ms and 8.0 vs 8.9 ms, generic plans for both pools vs
// none, in the same alternating rounds. Not for kysely's pool: there the backlog drain fell from
// 2,960 to 2,150 jobs/s with generic plans (one of the batch's statements plans better knowing its
// arrays; which one was not looked into), and 3,250 jobs/s with them for pg-boss's pool only.
// Named statements live in one server session: behind a pooler that hands each transaction
// another session (PgBouncer in transaction mode) they break, so DATABASE_PREPARED_STATEMENTS=false
// makes the pools use pg's plain Client (see connection.ts).
import { createHash } from 'node:crypto'
import pg from 'pg'

// Several statements in one text (pg-boss sends a few: BEGIN; SET LOCAL ...; COMMIT;) cannot be
// prepared; they run as they are.
const SEVERAL_STATEMENTS = /;\s*\S/
const names = new Map<string, string>()

function statementName (text: string): string {
  let name = names.get(text)
  if (name === undefined) {
    name = `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
    names.set(text, name)
  }
  return name
}

// After a migration changes a table under a running process, a statement prepared before may no
// longer fit it. Postgres then refuses it before executing anything ("cached plan must not change
// result type", raised by RevalidateCachedQuery), and keeps refusing until it is deallocated.
const planChanged = (error: unknown): error is pg.DatabaseError => {
  const e = error as { code?: string, routine?: string } | null
  return e?.code === '0A000' && (e.routine === undefined || e.routine === 'RevalidateCachedQuery')
}

type Callback = (error: Error | null, result: pg.QueryResult) => void

export class PreparingClient extends pg.Client {
  /** Texts whose first statement went stale on this connection, and the name used instead. */
  readonly #renamed = new Map<string, string>()
  #renames = 0

  // pg's query() has many overloads; only (text[, values][, callback]) is prepared.
  override query (...args: any[]): any {
    const [text, values, callback] = args as [unknown, unknown, Callback | undefined]
    if (typeof text !== 'string' || typeof values === 'function' || SEVERAL_STATEMENTS.test(text)) {
      return (super.query as (...a: unknown[]) => unknown)(...args)
    }
    const params = (values as unknown[] | undefined) ?? []
    if (callback) return this.#runPrepared(text, params, callback)
    return new Promise((resolve, reject) =>
      this.#runPrepared(text, params, (error, result) => error ? reject(error) : resolve(result)))
  }

  #runPrepared (text: string, values: unknown[], callback: Callback, retried = false): void {
    const name = this.#renamed.get(text) ?? statementName(text)
    super.query({ name, text, values }, (error: Error | null, result: pg.QueryResult) => {
      if (retried || !planChanged(error)) return callback(error, result)
      // pg remembers the name as parsed on this connection, so the text gets a new name here and
      // is prepared afresh the next time it runs.
      this.#renamed.set(text, `${statementName(text)}_${++this.#renames}`)
      // pg calls back on the ErrorResponse, before the ReadyForQuery that follows it, so the status
      // is still the one this statement started in: 'I' (idle) or 'T' (inside a transaction block).
      if (this.getTransactionStatus() === 'I') {
        // It ran alone and changed nothing: drop the stale statement, then run the text again (each
        // sent once the one before has answered: pg warns of a statement queued on a busy client,
        // and pg 9 will refuse it). The only statements sent without waiting, src/db/one-trip.ts's,
        // run inside BEGIN, so they take the branch below.
        super.query(`DEALLOCATE ${name}`, () => { this.#runPrepared(text, values, callback, true) })
        return
      }
      // Inside a transaction block Postgres has aborted the caller's transaction: every further
      // statement fails ("current transaction is aborted", 25P02) until ROLLBACK, so neither a retry
      // nor DEALLOCATE can run (the stale statement stays until the connection closes). Say so;
      // the caller's retry of the whole transaction then prepares the statement afresh and works.
      error.message += ' (a table changed under a statement prepared before; it aborted this transaction, ' +
        'and a retry of the transaction prepares the statement afresh)'
      callback(error, result)
    })
  }
}

/**
 * For pg-boss's pool (pg-pool's onConnect): each new session uses every prepared statement's
 * generic plan (see above). The pool hands the connection out once this has answered: sent
 * beside the pool user's first statement instead, it had pg warn of a statement queued on a
 * busy client (deprecated, refused by pg 9). (Not a startup option: PgBouncer refuses `options`.)
 */
export async function useGenericPlans (client: pg.ClientBase): Promise<void> {
  await client.query({ text: 'set plan_cache_mode = force_generic_plan' }) // (a config object: not prepared)
}
