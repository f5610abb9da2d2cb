// Migration 0009: a calendar job's start and its stored calendar commit without waiting for the
// WAL flush (a crash that loses either one only makes the job run again), while queuing a job
// (what a 202 promises) and completing it (what SUCCESS promises) keep their synchronous commit.
// Migration 0010: a transaction that stores a calendar AND completes its job waits for the disk.
// Read inside each transaction, before it ends: synchronous_commit is what its commit will use.
import t from 'tap'
import { sql, type RawBuilder } from 'kysely'
import pg from 'pg'
import type { Db } from 'pg-boss'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import { saveSmallCalendars, smallCalendarStatements } from '../src/calendar/store.ts'
import { completedHere, completeInTransaction } from '../src/queue/complete-in-transaction.ts'
import { buildTestApp } from './helpers/app.ts'

const { app, database } = await buildTestApp(t, { WORKER_MODE: 'off' })
const client = new pg.Client({ connectionString: database.url })
await client.connect()
t.teardown(() => client.end())
const inTransaction: Db = { executeSql: (text, values) => client.query(text, values) }

/** synchronous_commit as the transaction that ran `work` would commit with; rolled back. */
async function commitModeAfter (work: () => Promise<unknown>): Promise<string> {
  await client.query('begin')
  try {
    await work()
    return (await client.query('show synchronous_commit')).rows[0].synchronous_commit
  } finally {
    await client.query('rollback')
  }
}

t.test('queuing a job waits for the disk', async (t) => {
  t.equal(await commitModeAfter(() => app.boss.send(ICAL_QUEUE, { filters: {} }, { db: inTransaction })), 'on')
})

t.test('starting a job does not, and completing it does', async (t) => {
  const id = await app.boss.send(ICAL_QUEUE, { filters: {} })
  t.equal(await commitModeAfter(async () => {
    const [job] = await app.boss.fetch(ICAL_QUEUE, { db: inTransaction })
    t.equal(job?.id, id, 'fetched (in the transaction)')
  }), 'off')
  const [job] = await app.boss.fetch(ICAL_QUEUE)
  t.equal(job?.id, id)
  t.equal(await commitModeAfter(() => app.boss.complete(ICAL_QUEUE, id!, { events: 0, bytes: 0 }, { db: inTransaction })), 'on')
})

t.test('storing a calendar does not wait for the disk', async (t) => {
  const stored = await app.db.transaction().execute(async (trx) => {
    await saveSmallCalendars(trx, [{ taskId: '00000000-0000-4000-8000-000000000009', text: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', events: 0 }])
    const { rows } = await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(trx)
    return rows[0]!.synchronous_commit
  })
  t.equal(stored, 'off')
})

t.test('storing a calendar and completing its job in one transaction waits for the disk, in either order', async (t) => {
  const complete = completeInTransaction<{ events: number, bytes: number }>(app.boss, ICAL_QUEUE)
  const text = 'BEGIN:VCALENDAR\r\nX-CASE:store-and-complete\r\nEND:VCALENDAR\r\n'
  for (const completeFirst of [false, true]) {
    const id = await app.boss.send(ICAL_QUEUE, { filters: {} }) as string
    const [job] = await app.boss.fetch(ICAL_QUEUE)
    t.equal(job?.id, id)
    // As the worker sends them (completed first, the store naming the task by completedHere), and
    // the other way round, with the task named plainly.
    const { committed, value } = await app.workOneTrip(async (send) => {
      const store = (taskId: RawBuilder<string>) => {
        for (const s of smallCalendarStatements(app.db, { text, events: 0 }, taskId)) send(s.sql, s.parameters)
      }
      if (!completeFirst) store(sql<string>`${id}::uuid`)
      const completion = complete(send, job!, { events: 0, bytes: 0 })
      await completion.sent
      if (completeFirst) store(completedHere(ICAL_QUEUE, id))
      return { completed: completion.completed, mode: send('show synchronous_commit') }
    })
    t.ok(committed, 'committed')
    t.ok(await value.completed, 'completed')
    t.equal((await value.mode).rows[0].synchronous_commit, 'on', completeFirst ? 'completed, then stored' : 'stored, then completed')
  }
  const alone = await app.db.transaction().execute(async (trx) => {
    await saveSmallCalendars(trx, [{ taskId: '00000000-0000-4000-8000-000000000010', text, events: 0 }])
    return (await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(trx)).rows[0]!.synchronous_commit
  })
  t.equal(alone, 'off', 'the mark lasts one transaction: the next store alone does not flush')
})
