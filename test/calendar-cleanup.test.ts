// Calendars are kept as long as their jobs (JOB_RETENTION_DAYS): the app schedules an hourly
// cleanup job, and a run of it deletes the older calendars and keeps the rest; a stored body
// (text and chunks) goes when the last calendar pointing at it does.
import t, { type Test } from 'tap'
import { createHash, randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { CALENDAR_CLEANUP_QUEUE } from '../src/calendar/queue.ts'
import { buildTestApp } from './helpers/app.ts'
import { waitFor } from './helpers/wait.ts'

const { app } = await buildTestApp(t, { JOB_RETENTION_DAYS: '3' }) // inline: this app works the cleanup queue

const bodyOf = new Map<string, number>() // task id -> the body it was stored with

/** A stored calendar made `ageDays` ago, as the worker would have written it: with a body of its own (one chunk), or sharing one. */
async function storedCalendar (ageDays: number, sharing?: string): Promise<string> {
  const id = randomUUID()
  await app.db.transaction().execute(async (trx) => {
    let bodyId = sharing === undefined ? undefined : (await trx.selectFrom('calendars').select('body_id').where('task_id', '=', sharing).executeTakeFirstOrThrow()).body_id
    if (bodyId === undefined) {
      const text = `BEGIN:VCALENDAR\r\nX-TASK:${id}\r\nEND:VCALENDAR\r\n`
      bodyId = (await trx.insertInto('calendar_bodies')
        .values({ sha256: createHash('sha256').update(text).digest(), event_count: 0, byte_length: Buffer.byteLength(text), chunk_count: 1 })
        .returning('id').executeTakeFirstOrThrow()).id
      await trx.insertInto('calendar_body_chunks').values({ body_id: bodyId, seq: 0, data: text }).execute()
    }
    await trx.insertInto('calendars').values({
      task_id: id,
      body_id: bodyId,
      created_at: sql<string>`(now() at time zone 'utc') - make_interval(hours => ${ageDays * 24})`
    }).execute()
    bodyOf.set(id, bodyId)
  })
  return id
}

/** The task's calendar row, and the body and chunks of the body it was first stored with. */
async function stored (id: string): Promise<{ calendars: number, bodies: number, chunks: number }> {
  const bodyId = bodyOf.get(id)!
  const { rows: [row] } = await sql<{ calendars: number, bodies: number, chunks: number }>`
    select (select count(*)::int from calendars where task_id = ${id}) as calendars,
           (select count(*)::int from calendar_bodies where id = ${bodyId}) as bodies,
           (select count(*)::int from calendar_body_chunks where body_id = ${bodyId}) as chunks`.execute(app.db)
  return row!
}
async function runCleanup (t: Test): Promise<void> {
  const jobId = await app.boss.send(CALENDAR_CLEANUP_QUEUE, {})
  t.ok(jobId, 'a cleanup job queued')
  let state: string | undefined
  await waitFor(async () => {
    state = (await app.boss.findJobs(CALENDAR_CLEANUP_QUEUE, { id: jobId! }))[0]?.state
    return state === 'completed' || state === 'failed'
  }, 'the cleanup job has finished', { timeoutMs: 20_000 })
  t.equal(state, 'completed', 'the cleanup job ran')
}

t.test('the cleanup is scheduled hourly', async (t) => {
  const schedules = await app.boss.getSchedules(CALENDAR_CLEANUP_QUEUE)
  t.same(schedules.map((s) => ({ name: s.name, cron: s.cron })), [{ name: CALENDAR_CLEANUP_QUEUE, cron: '17 * * * *' }])
})

t.test('a cleanup run deletes calendars older than JOB_RETENTION_DAYS and keeps recent ones', async (t) => {
  const expired = await storedCalendar(3.5)
  const recent = await storedCalendar(2.5)
  t.same(await stored(expired), { calendars: 1, bodies: 1, chunks: 1 }, 'both stored before the run')
  t.same(await stored(recent), { calendars: 1, bodies: 1, chunks: 1 })

  await runCleanup(t)
  t.same(await stored(expired), { calendars: 0, bodies: 0, chunks: 0 }, 'the expired calendar, its body and its chunks are gone')
  t.same(await stored(recent), { calendars: 1, bodies: 1, chunks: 1 }, 'the recent one is kept')
})

t.test('a body shared by an expired task and a recent one stays until the last task pointing at it expires', async (t) => {
  const expired = await storedCalendar(3.5)
  const recent = await storedCalendar(2.5, expired)
  await runCleanup(t)
  t.same(await stored(expired), { calendars: 0, bodies: 1, chunks: 1 }, 'the expired task goes, the body it shares stays')
  t.same(await stored(recent), { calendars: 1, bodies: 1, chunks: 1 })

  await sql`update calendars set created_at = created_at - interval '1 day' where task_id = ${recent}`.execute(app.db)
  await runCleanup(t)
  t.same(await stored(recent), { calendars: 0, bodies: 0, chunks: 0 }, 'gone with its last task')
})
