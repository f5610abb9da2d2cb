// Named prepared statements for every single-statement query, in both pools, with a fallback
// when a table changed under a prepared statement.
import t from 'tap'
import { sql } from 'kysely'
import pg from 'pg'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { PreparingClient } from '../src/db/preparing-client.ts'
import { createLogger } from '../src/logger.ts'
import { calendarQueues } from '../src/calendar/queue.ts'
import { startBoss } from '../src/queue/boss.ts'
import { createTestDatabase } from './helpers/database.ts'

const database = await createTestDatabase()
t.teardown(() => database.drop())

const PREPARED = 'select statement from pg_prepared_statements where name like $1'

t.test('a query with or without values becomes a prepared statement; several statements run as they are', async (t) => {
  const client = new PreparingClient({ connectionString: database.url })
  await client.connect()
  t.teardown(() => client.end())
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

t.test('a table that changed under a prepared statement: the query still answers', async (t) => {
  const client = new PreparingClient({ connectionString: database.url })
  await client.connect()
  t.teardown(() => client.end())
  await client.query('create table reshaped (id int)')
  await client.query('insert into reshaped values (1)')
  t.same((await client.query('select * from reshaped where id = $1', [1])).rows, [{ id: 1 }])
  await client.query('alter table reshaped add column note text')
  t.same((await client.query('select * from reshaped where id = $1', [1])).rows, [{ id: 1, note: null }])
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
})
