// Calendars are kept as long as their jobs (JOB_RETENTION_DAYS): the app schedules an hourly
// cleanup job, and a run of it deletes the older calendars (with their chunks) and keeps the rest.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { sql } from 'kysely'
import { CALENDAR_CLEANUP_QUEUE } from '../src/calendar/queue.ts'
import { buildTestApp } from './helpers/app.ts'
import { waitFor } from './helpers/wait.ts'

const { app } = await buildTestApp(t, { JOB_RETENTION_DAYS: '3' }) // inline: this app works the cleanup queue

/** A stored calendar (one chunk) made `ageDays` ago, as the worker would have written it. */
async function storedCalendar (ageDays: number): Promise<string> {
  const id = randomUUID()
  await app.db.transaction().execute(async (trx) => {
    await trx.insertInto('calendar_chunks').values({ task_id: id, seq: 0, data: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n' }).execute()
    await trx.insertInto('calendars').values({
      task_id: id,
      event_count: 0,
      byte_length: 31,
      chunk_count: 1,
      created_at: sql<string>`(now() at time zone 'utc') - make_interval(hours => ${ageDays * 24})`
    }).execute()
  })
  return id
}

async function stored (id: string): Promise<{ calendars: number, chunks: number }> {
  const { rows: [row] } = await sql<{ calendars: number, chunks: number }>`
    select (select count(*)::int from calendars where task_id = ${id}) as calendars,
           (select count(*)::int from calendar_chunks where task_id = ${id}) as chunks`.execute(app.db)
  return row!
}

t.test('the cleanup is scheduled hourly', async (t) => {
  const schedules = await app.boss.getSchedules(CALENDAR_CLEANUP_QUEUE)
  t.same(schedules.map((s) => ({ name: s.name, cron: s.cron })), [{ name: CALENDAR_CLEANUP_QUEUE, cron: '17 * * * *' }])
})

t.test('a cleanup run deletes calendars older than JOB_RETENTION_DAYS and keeps recent ones', async (t) => {
  const expired = await storedCalendar(3.5)
  const recent = await storedCalendar(2.5)
  t.same(await stored(expired), { calendars: 1, chunks: 1 }, 'both stored before the run')
  t.same(await stored(recent), { calendars: 1, chunks: 1 })

  const jobId = await app.boss.send(CALENDAR_CLEANUP_QUEUE, {})
  t.ok(jobId, 'a cleanup job queued')
  let state: string | undefined
  await waitFor(async () => {
    state = (await app.boss.findJobs(CALENDAR_CLEANUP_QUEUE, { id: jobId! }))[0]?.state
    return state === 'completed' || state === 'failed'
  }, 'the cleanup job has finished', { timeoutMs: 20_000 })
  t.equal(state, 'completed', 'the cleanup job ran')

  t.same(await stored(expired), { calendars: 0, chunks: 0 }, 'the expired calendar and its chunks are gone')
  t.same(await stored(recent), { calendars: 1, chunks: 1 }, 'the recent one is kept')
})
