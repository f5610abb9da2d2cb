// A transaction sent as one round trip (src/db/one-trip.ts), and the calendar store's statements
// made for it (smallCalendarStatements): all of it commits or none, whichever statement fails,
// and the connection goes back to the pool usable. With named prepared statements (the default)
// and without (DATABASE_PREPARED_STATEMENTS=false, the setting behind PgBouncer).
import t from 'tap'
import { sql } from 'kysely'
import { randomUUID } from 'node:crypto'
import { calendarChunks, calendarInfo, smallCalendarStatements } from '../src/calendar/store.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { oneTripTransactions } from '../src/db/one-trip.ts'
import { createTestDatabase } from './helpers/database.ts'

const database = await createTestDatabase()
t.teardown(() => database.drop())

for (const preparedStatements of [true, false]) {
  // One connection: every transaction below reuses the one before it left.
  const pool = createPool({ url: database.url, poolMax: 1, ssl: { mode: 'off', caFile: undefined }, migrateOnStart: true, preparedStatements }, 'one-trip-test')
  const db = createDatabase(pool)
  const oneTrip = oneTripTransactions(pool)
  const table = preparedStatements ? 'trip_prepared' : 'trip_plain'
  const mode = preparedStatements ? 'prepared statements' : 'no prepared statements'

  t.test(mode, async (t) => {
    t.teardown(() => db.destroy())
    await sql`create table ${sql.table(table)} (n int primary key)`.execute(db)
    const insert = `insert into ${table} (n) values ($1)`
    const rows = async () => (await sql<{ n: number }>`select n from ${sql.table(table)} order by n`.execute(db)).rows.map((r) => r.n)

    t.test('the statements commit together, and each answers its own caller', async (t) => {
      const { committed, value } = await oneTrip(async (send) => [
        send(insert, [1]),
        send(`${insert}, ($2) returning n`, [2, 3]),
        send('select txid_current_if_assigned() as xid'),
        send('select txid_current_if_assigned() as xid')
      ] as const)
      t.ok(committed)
      t.same((await value[1]).rows, [{ n: 2 }, { n: 3 }])
      const [a, b] = await Promise.all([value[2], value[3]])
      t.ok(a.rows[0].xid, 'in a transaction')
      t.equal(a.rows[0].xid, b.rows[0].xid, 'the same one')
      t.same(await rows(), [1, 2, 3])
    })

    t.test('a statement that fails rolls back the statements before it and fails those after it', async (t) => {
      const { committed, value } = await oneTrip(async (send) => [send(insert, [4]), send(insert, [1]), send(insert, [5])] as const)
      t.notOk(committed, 'the COMMIT rolled back')
      await value[0]
      await t.rejects(value[1], { code: '23505' }, 'the one that failed says why')
      await t.rejects(value[2], { code: '25P02' }, 'current transaction is aborted')
      t.same(await rows(), [1, 2, 3], 'nothing of it stayed')
    })

    t.test('statements that throw after sending roll back what they sent; the error comes through', async (t) => {
      await t.rejects(oneTrip(async (send) => {
        send(insert, [6])
        throw new Error('changed my mind')
      }), { message: 'changed my mind' })
      t.same(await rows(), [1, 2, 3])
      t.same((await oneTrip(async (send) => send('select 1 as one'))).committed, true, 'the connection is usable again')
    })

    t.test('nothing can be sent once the transaction has ended', async (t) => {
      let late: ((text: string) => unknown) | undefined
      await oneTrip(async (send) => { late = send })
      t.throws(() => late!('select 1'), /sent after its end/)
    })

    t.test('a small calendar: a new body is stored, an identical one shared; a null task id stores nothing', async (t) => {
      const text = `BEGIN:VCALENDAR\r\nX-CASE:one-trip, ${mode}\r\nEND:VCALENDAR\r\n`
      const store = (body: string, taskId: string | null) => oneTrip(async (send) =>
        smallCalendarStatements(db, { text: body, events: 0 }, sql<string>`${taskId}::uuid`).map((s) => send(s.sql, s.parameters)))
      const bodies = async () => (await sql<{ n: number }>`select count(*)::int as n from calendar_bodies`.execute(db)).rows[0]!.n
      const before = await bodies()
      const [first, second] = [randomUUID(), randomUUID()]
      for (const id of [first, second]) {
        const { committed, value } = await store(text, id)
        t.ok(committed)
        t.ok((await value.at(-1)!).rows[0].stored_at instanceof Date, 'answers when it was stored')
      }
      const [a, b] = await Promise.all([calendarInfo(db, first), calendarInfo(db, second)])
      t.equal(a?.body_id, b?.body_id, 'one body for both')
      t.equal(await bodies(), before + 1)
      let read = ''
      for await (const chunk of calendarChunks(db, a!)) read += chunk
      t.equal(read, text)
      t.match(a, { byte_length: Buffer.byteLength(text), chunk_count: 1, event_count: 0 })

      const refused = await store(`${text}X-NOT:stored\r\n`, null)
      t.notOk(refused.committed)
      await t.rejects(refused.value.at(-1)!, { code: '23502' }, 'the insert fails: no task')
      t.equal(await bodies(), before + 1, 'and the body it would have added is not there either')
    })
  })
}
