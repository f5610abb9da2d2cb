// pg-boss's own database adapter, with one change: its statements run as named prepared
// statements. pg-boss sends large CTEs whose planning costs more than running them (measured:
// fetching a batch 0.77 ms unprepared, 0.14 ms prepared; queuing a job 1.6 ms vs 1.0 ms), and it
// sends the same few dozen texts over and over. Everything else (pool, LISTEN with reconnects,
// transactions, shutdown) is pg-boss's, so it keeps working as pg-boss documents it. It leans on
// pg-boss's internal Db class (dist/db.js, its `pool`), so package.json pins pg-boss to patch
// releases (~12.38.0): take a minor upgrade deliberately, with the test suite.
import { createHash } from 'node:crypto'
import type pg from 'pg'
import Db from 'pg-boss/dist/db.js'

// A text with a semicolon followed by more text holds several statements, which cannot be
// prepared (pg-boss sends a few: BEGIN; SET LOCAL ...; ... COMMIT;). Those run as before.
const SEVERAL_STATEMENTS = /;\s*\S/

export class PreparedStatementDb extends Db {
  readonly #names = new Map<string, string>()

  override async executeSql (text: string, values?: unknown[], options: { signal?: AbortSignal, retire?: AbortSignal } = {}) {
    if (options.signal || options.retire || !this.opened || SEVERAL_STATEMENTS.test(text)) {
      return super.executeSql(text, values, options)
    }
    const pool = (this as unknown as { pool: pg.Pool }).pool
    try {
      return await pool.query({ name: this.#name(text), text, values: values ?? [] })
    } catch (error) {
      // After pg-boss migrates its tables under a running process, a statement prepared before
      // may no longer fit them; run it unprepared this time (pg forgets the name on error).
      if ((error as { code?: string }).code === '0A000') return super.executeSql(text, values, options)
      throw error
    }
  }

  #name (text: string): string {
    let name = this.#names.get(text)
    if (name === undefined) {
      name = `pgboss_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`
      this.#names.set(text, name)
    }
    return name
  }
}
