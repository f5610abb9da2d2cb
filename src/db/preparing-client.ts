// A node-postgres Client that runs every single-statement query as a named prepared statement,
// for both pools (kysely's and pg-boss's). Postgres then parses and plans each distinct query
// text once per connection instead of on every call. Measured here: fetching a pg-boss batch
// 0.77 ms unprepared, 0.14 ms prepared; queuing a job 1.6 ms vs 1.0 ms; and less database CPU
// per API request, which on a small machine the API and the database share.
// The texts are a bounded set (the app's queries and pg-boss's), so the per-connection cache is too.
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
// longer fit it ("cached plan must not change result type"): run it unprepared instead.
const planChanged = (error: unknown) => (error as { code?: string } | null)?.code === '0A000'

type Callback = (error: Error | null, result: pg.QueryResult) => void

export class PreparingClient extends pg.Client {
  // pg's query() has many overloads; only (text[, values][, callback]) is prepared.
  override query (...args: any[]): any {
    const [text, values, callback] = args as [unknown, unknown, Callback | undefined]
    if (typeof text !== 'string' || typeof values === 'function' || SEVERAL_STATEMENTS.test(text)) {
      return (super.query as (...a: unknown[]) => unknown)(...args)
    }
    const prepared = { name: statementName(text), text, values: (values as unknown[] | undefined) ?? [] }
    if (callback) {
      return super.query(prepared, (error: Error | null, result: pg.QueryResult) =>
        planChanged(error) ? super.query(text, (values as unknown[]) ?? [], callback) : callback(error, result))
    }
    return super.query(prepared).catch((error: unknown) => {
      if (planChanged(error)) return super.query(text, (values as unknown[]) ?? [])
      throw error
    })
  }
}
