// Named prepared statements for every single-statement query, in both pools (or in neither, with
// DATABASE_PREPARED_STATEMENTS=false), and what happens when a table changes under a prepared
// statement, outside and inside a transaction.
import t, { type Test } from 'tap'
import { sql } from 'kysely'
import pg from 'pg'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { PreparingClient } from '../src/db/preparing-client.ts'
import { createLogger } from '../src/logger.ts'
import { calendarQueues } from '../src/calendar/queue.ts'
import { startBoss } from '../src/queue/boss.ts'
import { createTestDatabase } from './helpers/database.ts'
import { waitFor } from './helpers/wait.ts'

const database = await createTestDatabase()
t.teardown(() => database.drop())

// pg warns (once per process) when a statement is queued on a client already running one, which
// pg 9 will refuse. A session set-up sent as a statement ahead of the pool user's did that.
const pgWarnings: string[] = []
const onWarning = (warning: Error) => { if (/client\.query\(\)/.test(warning.message)) pgWarnings.push(warning.message) }
process.on('warning', onWarning)
t.teardown(() => { process.off('warning', onWarning) })

const PREPARED = 'select statement from pg_prepared_statements where name like $1'
const preparedNames = async (client: pg.Client, text: string) =>
  (await client.query('select name from pg_prepared_statements where statement = $1 order by name', [text])).rows.map((r: { name: string }) => r.name)

async function connect (t: Test): Promise<PreparingClient> {
  const client = new PreparingClient({ connectionString: database.url })
  await client.connect()
  t.teardown(() => client.end())
  return client
}

/** A table of its own, one row, a statement prepared on it, then a column added by someone else. */
async function reshapedUnder (t: Test, client: PreparingClient, table: string, query: string) {
  await client.query(`create table ${table} (id int)`)
  await client.query(`insert into ${table} values (1)`)
  t.same((await client.query(query, [1])).rows, [{ id: 1 }], 'prepared with the old shape')
  const other = new pg.Client({ connectionString: database.url })
  await other.connect()
  await other.query(`alter table ${table} add column note text`)
  await other.end()
}

t.test('a query with or without values becomes a prepared statement; several statements run as they are', async (t) => {
  const client = await connect(t)
  t.same((await client.query('select $1::int + 1 as n', [41])).rows, [{ n: 42 }])
  t.same((await client.query('select 2 as n')).rows, [{ n: 2 }])
  const { rows } = await client.query(PREPARED, ['q_%'])
  const statements = rows.map((r: { statement: string }) => r.statement)
  t.ok(statements.includes('select $1::int + 1 as n'))
  t.ok(statements.includes('select 2 as n'))
  const several = await client.query('select 1 as a; select 2 as b') as unknown as pg.QueryResult[]
  t.same(several.map((r) => r.rows), [[{ a: 1 }], [{ b: 2 }]])
  const viaCallback = await new Promise<pg.QueryResult>((resolve, reject) =>
    client.query('select $1::text as s', ['cb'], (error: Error | null, result: pg.QueryResult) => error ? reject(error) : resolve(result)))
  t.same(viaCallback.rows, [{ s: 'cb' }])
})

t.test('a table changed under a prepared statement, outside a transaction: the query answers with the new shape, prepared afresh', async (t) => {
  const client = await connect(t)
  const query = 'select * from reshaped_outside where id = $1'
  await reshapedUnder(t, client, 'reshaped_outside', query)
  const [stale] = await preparedNames(client, query)
  t.same((await client.query(query, [1])).rows, [{ id: 1, note: null }], 'the caller never sees the error')
  const fresh = await preparedNames(client, query)
  t.equal(fresh.length, 1, 'one statement for the text')
  t.not(fresh[0], stale, 'the stale statement was deallocated, a new one prepared')
  t.same((await client.query(query, [1])).rows, [{ id: 1, note: null }], 'and used from then on')
  t.same(await preparedNames(client, query), fresh)
})

t.test('the same inside a transaction: the transaction fails at once with a clear error; its retry succeeds', async (t) => {
  const client = await connect(t)
  const query = 'select * from reshaped_inside where id = $1'
  await reshapedUnder(t, client, 'reshaped_inside', query)
  await client.query('begin')
  const error = await client.query(query, [1]).then(() => undefined, (e: pg.DatabaseError) => e)
  // Postgres aborted the transaction with this statement: a retry inside it could only meet
  // 25P02 "current transaction is aborted", so the error is the original one (0A000), explained.
  t.match(error, { code: '0A000', message: /cached plan must not change result type .*aborted this transaction.*retry of the transaction/ })
  // The error is reported before the ReadyForQuery that carries the new status: wait for it.
  await waitFor(() => client.getTransactionStatus() === 'E', 'ReadyForQuery in the failed transaction', { timeoutMs: 5000, everyMs: 5 })
  t.equal(client.getTransactionStatus(), 'E', 'the transaction is aborted, as Postgres says')
  await client.query('rollback')
  await client.query('begin')
  t.same((await client.query(query, [1])).rows, [{ id: 1, note: null }], 'the retried transaction works')
  await client.query('commit')
})

t.test('through kysely: a transaction meeting a changed table fails with 0A000 (not 25P02), and running it again works', async (t) => {
  const db = createDatabase(createPool({ url: database.url, poolMax: 1, ssl: { mode: 'off', caFile: undefined } }, 'reshape-test'))
  t.teardown(() => db.destroy())
  await sql`create table reshaped_kysely (id int)`.execute(db)
  await sql`insert into reshaped_kysely values (1)`.execute(db)
  const readTwice = () => db.transaction().execute(async (trx) => {
    const first = await sql<{ id: number }>`select * from reshaped_kysely where id = ${1}`.execute(trx)
    const second = await sql<{ n: number }>`select count(*)::int as n from reshaped_kysely`.execute(trx)
    return [first.rows, second.rows]
  })
  t.same(await readTwice(), [[{ id: 1 }], [{ n: 1 }]])
  const other = new pg.Client({ connectionString: database.url })
  await other.connect()
  await other.query('alter table reshaped_kysely add column note text')
  await other.end()
  await t.rejects(readTwice(), { code: '0A000', message: /aborted this transaction/ })
  t.same(await readTwice(), [[{ id: 1, note: null }], [{ n: 1 }]], 'the same pooled connection, prepared afresh')
})

t.test('the kysely pool and the pg-boss pool both prepare', async (t) => {
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), database.url)
  const db = createDatabase(createPool(config.database, 'prepare-test'))
  t.teardown(() => db.destroy())
  await db.selectFrom('todos').selectAll().execute()
  const ours = await sql<{ statement: string }>`select statement from pg_prepared_statements where name like ${'q_%'}`.execute(db)
  t.ok(ours.rows.length > 0, 'kysely queries are prepared')
  const boss = await startBoss(config, createLogger('silent'), 'worker', calendarQueues(config))
  t.teardown(() => boss.stop({ graceful: false }))
  const { rows } = await boss.getDb().executeSql(PREPARED, ['q_%'])
  t.ok(rows.some((r: { statement: string }) => r.statement === PREPARED), 'pg-boss statements are prepared')
  // ... and pg-boss's planned once: its sessions use a statement's generic plan; ours leave it to Postgres.
  const bossMode = await boss.getDb().executeSql('show plan_cache_mode', [])
  t.equal(bossMode.rows[0].plan_cache_mode, 'force_generic_plan', 'the pg-boss pool uses generic plans')
  const kyselyMode = await sql<{ plan_cache_mode: string }>`show plan_cache_mode`.execute(db)
  t.equal(kyselyMode.rows[0]!.plan_cache_mode, 'auto', 'the kysely pool does not')
  // Several new connections at once, each checked out the moment it is open.
  const modes = await Promise.all(Array.from({ length: 4 }, () => boss.getDb().executeSql('select current_setting($1) as mode, pg_sleep(0.05)', ['plan_cache_mode'])))
  t.same(modes.map((m) => m.rows[0].mode), Array(4).fill('force_generic_plan'), 'on every connection, from its first statement')
  await new Promise((resolve) => setImmediate(resolve)) // process.emitWarning reports on the next tick
  t.same(pgWarnings, [], 'set up with the connection: no statement queued behind a set-up statement')
})

t.test('DATABASE_PREPARED_STATEMENTS=false: neither pool prepares', async (t) => {
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent', DATABASE_PREPARED_STATEMENTS: 'false' }), database.url)
  const db = createDatabase(createPool(config.database, 'unprepared-test'))
  t.teardown(() => db.destroy())
  await sql`select count(*) from todos where id = ${1}`.execute(db)
  const ours = await sql<{ n: number }>`select count(*)::int as n from pg_prepared_statements`.execute(db)
  t.equal(ours.rows[0]!.n, 0, 'no prepared statement on the kysely connection')
  const boss = await startBoss(config, createLogger('silent'), 'worker', calendarQueues(config))
  t.teardown(() => boss.stop({ graceful: false }))
  // (Prepared, this very query would be listed: Postgres parses it before running it.)
  const { rows } = await boss.getDb().executeSql('select count(*)::int as n from pg_prepared_statements', [])
  t.equal(rows[0].n, 0, 'none on the pg-boss connection either')
  const mode = await boss.getDb().executeSql('show plan_cache_mode', [])
  t.equal(mode.rows[0].plan_cache_mode, 'auto', 'and plans are left to Postgres, pg-boss\'s included')
})
