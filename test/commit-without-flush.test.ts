// Migration 0009: a calendar job's start and its stored calendar commit without waiting for the
// WAL flush (a crash that loses either one only makes the job run again), while queuing a job
// (what a 202 promises) and completing it (what SUCCESS promises) keep their synchronous commit.
// Read inside each transaction, before it ends: synchronous_commit is what its commit will use.
import t from 'tap'
import { sql } from 'kysely'
import pg from 'pg'
import type { Db } from 'pg-boss'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import { saveSmallCalendars } from '../src/calendar/store.ts'
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
