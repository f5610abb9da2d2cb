// The job handler on real batches fetched from pg-boss: small calendars built together, a large
// one streamed on its own, a job with bad data failing alone.
import t from 'tap'
import { sql } from 'kysely'
import { BATCH_READ_TODOS, icalJobHandler, smallCalendarLimit, SMALL_CALENDAR_TODOS } from '../src/calendar/job.ts'
import { calendarChunks, calendarInfo } from '../src/calendar/store.ts'
import { createLogger } from '../src/logger.ts'
import type { Job } from 'pg-boss'
import { ICAL_QUEUE, type IcalJobData } from '../src/calendar/queue.ts'
import { recordClaims } from '../src/queue/claims.ts'
import { sweepOrphanedJobs } from '../src/queue/sweep.ts'
import { startTestQueue } from './helpers/queue.ts'
import { parseEvents } from './helpers/ical.ts'

const { config, db, boss } = await startTestQueue(t, 'worker')
const handle = icalJobHandler({ db, config, logger: createLogger('silent') })
// work() hands handlers jobs with a signal; fetch() does not, so give them one as work() would.
const handler = (jobs: Array<Job<IcalJobData>>) => handle(jobs.map((job) => ({ ...job, signal: job.signal ?? new AbortController().signal })))

// More todos with deadlines than a batch builds together; every seventh is completed.
const total = SMALL_CALENDAR_TODOS + 50
await sql`insert into todos (title, completed, deadline_at)
  select 'todo ' || i, i % 7 = 0, timestamp '2026-01-01' + (i || ' minutes')::interval from generate_series(1, ${total}::int) as i`.execute(db)
const completedCount = Math.floor(total / 7)

async function text (taskId: string): Promise<string> {
  const info = await calendarInfo(db, taskId)
  let out = ''
  for await (const chunk of calendarChunks(db, info!)) out += chunk
  return out
}

t.test('one batch: identical small requests share a rendering, a large one is streamed, bad data fails alone', async (t) => {
  const send = (data: object) => boss.send(ICAL_QUEUE, data) as Promise<string>
  const small1 = await send({ filters: { completed: true } })
  const small2 = await send({ filters: { completed: true } })
  const large = await send({ filters: {} })
  const bad = await send({ filters: { completed: 'yes' } })
  const jobs = await boss.fetch<IcalJobData>(ICAL_QUEUE, { batchSize: 10 })
  t.equal(jobs.length, 4, 'fetched as one batch')

  const results = new Map((await handler(jobs)).map((r) => [r.id, r]))
  t.match(results.get(small1), { status: 'completed', output: { events: completedCount } })
  t.match(results.get(small2), { status: 'completed', output: { events: completedCount } })
  t.match(results.get(large), { status: 'completed', output: { events: total } })
  t.match(results.get(bad), { status: 'failed', output: { message: /invalid job data at \/filters\/completed/ } })

  t.equal(await text(small1), await text(small2), 'the same calendar for the same request in the same batch')
  t.equal(parseEvents(await text(small1)).length, completedCount)
  const largeText = await text(large)
  t.equal(parseEvents(largeText).length, total)
  t.equal((await calendarInfo(db, large))!.byte_length, Buffer.byteLength(largeText))
  t.equal(await calendarInfo(db, bad), undefined, 'nothing stored for the failed job')
})

t.test('a retried job replaces the calendar its earlier attempt stored', async (t) => {
  const id = await boss.send(ICAL_QUEUE, { filters: { completed: true } }) as string
  const [first] = await boss.fetch<IcalJobData>(ICAL_QUEUE)
  await handler([first!])
  await sql`update todos set title = 'renamed' where id = 7`.execute(db)
  // The completion was lost (say the worker died right after storing): the job is handed back
  // (the claim of a worker id whose liveness lock nobody holds) and runs again.
  await recordClaims(db, ICAL_QUEUE, 0, [first!])
  t.same(await sweepOrphanedJobs(db), [{ queue: ICAL_QUEUE, id }])
  const [again] = await boss.fetch<IcalJobData>(ICAL_QUEUE)
  t.equal(again!.retryCount, 1)
  const [result] = await handler([again!])
  t.equal(result!.status, 'completed')
  t.match(await text(id), /SUMMARY:renamed/)
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendars where task_id = ${id}`.execute(db)
  t.equal(rows[0]!.n, 1)
})

t.test('a job cancelled while it is being built stores nothing, small or large', async (t) => {
  const small = await boss.send(ICAL_QUEUE, { filters: { completed: true } }) as string
  const large = await boss.send(ICAL_QUEUE, { filters: {} }) as string
  const jobs = await boss.fetch<IcalJobData>(ICAL_QUEUE, { batchSize: 10 })
  // As a cancel does through the heartbeat: the job's signal is aborted.
  const cancelled = jobs.map((job) => ({ ...job, signal: AbortSignal.abort() }))
  const results = await handler(cancelled)
  t.same(results.map((r) => r.status), ['failed', 'failed'])
  t.equal(await calendarInfo(db, small), undefined)
  t.equal(await calendarInfo(db, large), undefined)
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendars where task_id in (${small}, ${large})`.execute(db)
  t.equal(rows[0]!.n, 0, 'no row for the large one either')
})

t.test('identical requests over unchanged todos store one body, batch after batch; changed todos a new one', async (t) => {
  const runAlone = async (filters: object) => {
    const id = await boss.send(ICAL_QUEUE, { filters }) as string
    const jobs = await boss.fetch<IcalJobData>(ICAL_QUEUE, { batchSize: 10 })
    t.same(jobs.map((job) => job.id), [id], 'a batch of its own')
    t.match(await handler(jobs), [{ status: 'completed' }])
    return id
  }
  const bodies = async (ids: string[]) => (await sql<{ body_id: number }>`
    select distinct body_id from calendars where task_id = any(${ids}::uuid[])`.execute(db)).rows.map((r) => r.body_id)
  const copies = async (bodyId: number) => (await sql<{ n: number }>`
    select count(*)::int as n from calendar_bodies where sha256 = (select sha256 from calendar_bodies where id = ${bodyId})`.execute(db)).rows[0]!.n

  const small = [await runAlone({ completed: true }), await runAlone({ completed: true }), await runAlone({ completed: true })]
  const [smallBody] = await bodies(small)
  t.same(await bodies(small), [smallBody], 'three small tasks, one body')
  t.equal(await copies(smallBody!), 1, 'stored once')
  t.equal(await text(small[2]!), await text(small[0]!), 'downloads are the same bytes')

  const large = [await runAlone({}), await runAlone({})]
  const [largeBody] = await bodies(large)
  t.same(await bodies(large), [largeBody], 'two streamed tasks, one body')
  t.equal(await copies(largeBody!), 1)

  await sql`update todos set title = 'changed again' where id = 14`.execute(db)
  const after = await runAlone({ completed: true })
  t.not((await bodies([after]))[0], smallBody, 'a changed todo: a new body')
  t.match(await text(after), /SUMMARY:changed again/)
  t.notMatch(await text(small[0]!), /changed again/, 'the earlier tasks keep theirs')
})

t.test('a batch of distinct filters: one read for all of them, each calendar holds its own filter\'s todos', async (t) => {
  // Five open todos due 1..5 days from now (less an hour): the window decides which of them a
  // calendar holds, so every job of the batch has a calendar of its own.
  await sql`insert into todos (title, completed, deadline_at)
    select 'future ' || k, false, (now() at time zone 'utc') + make_interval(days => k, hours => -1) from generate_series(1, 5) as k`.execute(db)
  t.teardown(async () => { await sql`delete from todos where title like 'future %'`.execute(db) })
  const open = total - completedCount
  const windows = [3, 0, 5, 1, 4, 2]
  const ids = await Promise.all(windows.map((window) => boss.send(ICAL_QUEUE, { filters: { completed: false, window } }) as Promise<string>))
  const completedId = await boss.send(ICAL_QUEUE, { filters: { completed: true, window: 2 } }) as string
  const jobs = await boss.fetch<IcalJobData>(ICAL_QUEUE, { batchSize: 10 })
  t.equal(jobs.length, windows.length + 1, 'fetched as one batch')
  const results = new Map((await handler(jobs)).map((r) => [r.id, r]))
  for (const [i, window] of windows.entries()) {
    t.match(results.get(ids[i]!), { status: 'completed', output: { events: open + window } }, `window ${window}`)
    const calendar = await text(ids[i]!)
    t.equal(calendar.match(/BEGIN:VEVENT/g)?.length, open + window)
    for (let k = 1; k <= 5; k++) t.equal(calendar.includes(`SUMMARY:future ${k}\r\n`), k <= window, `window ${window}: future ${k}`)
    t.notOk(/CATEGORIES:Completed/.test(calendar), 'open todos only')
  }
  t.match(results.get(completedId), { status: 'completed', output: { events: completedCount } })
  t.notOk((await text(completedId)).includes('SUMMARY:future'), 'no open todo')
})

t.test('a batch reads at most BATCH_READ_TODOS todos at once: calendars over their share are read again, the largest streamed', async (t) => {
  t.equal(smallCalendarLimit(1), SMALL_CALENDAR_TODOS)
  t.equal(smallCalendarLimit(BATCH_READ_TODOS / SMALL_CALENDAR_TODOS), SMALL_CALENDAR_TODOS)
  t.equal(smallCalendarLimit(200), BATCH_READ_TODOS / 200)
  t.equal(smallCalendarLimit(10 * BATCH_READ_TODOS), 1, 'at least one todo')

  // Enough distinct filters that the open todos' calendars are over their share of the first
  // read (they are read again), while the small completed one is not, and one calendar has more
  // todos than any batch builds (it is streamed).
  const open = total - completedCount
  const n = Math.floor(BATCH_READ_TODOS / open) + 1
  t.ok(smallCalendarLimit(n + 2) < open && smallCalendarLimit(n + 2) > completedCount, 'the open calendars are over their share, the completed one under it')
  const ids = await Promise.all(Array.from({ length: n }, (_, window) => boss.send(ICAL_QUEUE, { filters: { completed: false, window: window + 10 } }) as Promise<string>))
  const completedId = await boss.send(ICAL_QUEUE, { filters: { completed: true } }) as string
  const allId = await boss.send(ICAL_QUEUE, { filters: {} }) as string
  const jobs = await boss.fetch<IcalJobData>(ICAL_QUEUE, { batchSize: n + 2 })
  t.equal(jobs.length, n + 2, 'fetched as one batch')
  const results = await handler(jobs)
  t.same(new Set(results.map((r) => r.status)), new Set(['completed']))
  const byId = new Map(results.map((r) => [r.id, r]))
  for (const id of ids) t.match(byId.get(id), { output: { events: open } })
  t.match(byId.get(completedId), { output: { events: completedCount } })
  t.match(byId.get(allId), { output: { events: total } })
  for (const id of [ids[0]!, ids[n - 1]!, allId]) {
    const calendar = await text(id)
    t.equal(calendar.match(/BEGIN:VEVENT/g)?.length, id === allId ? total : open)
    t.equal((await calendarInfo(db, id))!.byte_length, Buffer.byteLength(calendar))
  }
  t.equal(parseEvents(await text(completedId)).length, completedCount)
})
