// A stale attempt stores nothing (src/queue/attempt-guard.ts): a job was handed back while its
// first worker went on (its liveness session broke, or pg-boss failed it for a missed heartbeat),
// the next attempt stored its calendar, and then the stale one finishes. pg-boss's complete is
// fenced by the attempt; the calendar store must be too, small calendars and large ones alike.
import t from 'tap'
import { sql } from 'kysely'
import type { Job } from 'pg-boss'
import { icalJobHandler, SMALL_CALENDAR_TODOS } from '../src/calendar/job.ts'
import { ICAL_QUEUE, type IcalJobData, type IcalJobOutput } from '../src/calendar/queue.ts'
import { calendarChunks, calendarInfo, saveSmallCalendars } from '../src/calendar/store.ts'
import { createLogger } from '../src/logger.ts'
import { recordClaims } from '../src/queue/claims.ts'
import { completeInTransaction } from '../src/queue/complete-in-transaction.ts'
import { sweepOrphanedJobs } from '../src/queue/sweep.ts'
import { startTestQueue } from './helpers/queue.ts'

const { config, db, oneTrip, boss } = await startTestQueue(t, 'worker')
const logger = createLogger('silent')
const handlers = {
  // Stored under the attempt lock; pg-boss's work() would complete the job afterwards.
  locked: icalJobHandler({ db, config, logger }),
  // A job stored on its own is completed in its storing transaction, fenced by pg-boss's complete().
  completing: icalJobHandler({ db, config, logger, completing: { complete: completeInTransaction<IcalJobOutput>(boss, ICAL_QUEUE), transaction: oneTrip } })
}

// Enough todos that the unfiltered calendar is built on its own (streamed); a few completed.
await sql`insert into todos (title, completed, deadline_at)
  select 'todo ' || i, i <= 3, timestamp '2026-01-01' + (i || ' minutes')::interval
  from generate_series(1, ${SMALL_CALENDAR_TODOS + 10}::int) as i`.execute(db)

async function text (taskId: string): Promise<string> {
  let out = ''
  for await (const chunk of calendarChunks(db, (await calendarInfo(db, taskId))!)) out += chunk
  return out
}

// The attempt's worker is gone (a claim under liveness id 0, which nobody ever holds): handed back.
async function handBackAndFetchAgain (job: Job<IcalJobData>): Promise<Job<IcalJobData>> {
  await recordClaims(db, ICAL_QUEUE, 0, [job])
  await sweepOrphanedJobs(db)
  const [next] = await boss.fetch<IcalJobData>(ICAL_QUEUE)
  if (next?.id !== job.id) throw new Error(`expected job ${job.id} again, fetched ${next?.id}`)
  return next
}

const cases = [['small', { completed: true }, 'locked'], ['small', { completed: true }, 'completing'], ['large', {}, 'locked']] as const
for (const [size, filters, mode] of cases) {
  const run = (job: Job<IcalJobData>) => handlers[mode]([{ ...job, signal: new AbortController().signal }])
  t.test(`a stale attempt finishing after the next one stored changes nothing (${size} calendar, ${mode})`, async (t) => {
    const id = await boss.send(ICAL_QUEUE, { filters }) as string
    const [first] = await boss.fetch<IcalJobData>(ICAL_QUEUE)
    // Two hand-backs, so the stale attempt is itself a retry (one that would replace a calendar).
    const stale = await handBackAndFetchAgain(first!)
    const current = await handBackAndFetchAgain(stale)
    t.same([stale.retryCount, current.retryCount], [1, 2])

    t.match(await run(current), [{ status: 'completed' }])
    const stored = await text(id)
    await sql`update todos set title = 'renamed' where id = 1`.execute(db)
    t.match(await run(stale), [{ status: 'failed' }], 'the stale attempt fails (work() settles it fenced: a no-op)')
    t.equal(await text(id), stored, 'the current attempt\'s calendar is kept')
    t.notMatch(await text(id), /SUMMARY:renamed/)
    if (mode === 'completing') {
      const [job] = await boss.findJobs(ICAL_QUEUE, { id })
      t.match(job, { state: 'completed', retryCount: 2 }, 'completed by the current attempt, in its storing transaction')
    }
    await sql`update todos set title = 'todo 1' where id = 1`.execute(db)
  })
}

t.test('a retry stored on its own (one trip) replaces what the attempt before it stored', async (t) => {
  const id = await boss.send(ICAL_QUEUE, { filters: { completed: true } }) as string
  const [first] = await boss.fetch<IcalJobData>(ICAL_QUEUE)
  // The first attempt stored its calendar, and its worker died before the completion.
  t.match(await handlers.locked([{ ...first!, signal: new AbortController().signal }]), [{ status: 'completed' }])
  t.notMatch(await text(id), /SUMMARY:renamed/)
  await sql`update todos set title = 'renamed' where id = 3`.execute(db)
  t.teardown(() => sql`update todos set title = 'todo 3' where id = 3`.execute(db))
  const retry = await handBackAndFetchAgain(first!)
  t.equal(retry.retryCount, 1)
  t.match(await handlers.completing([{ ...retry, signal: new AbortController().signal }]), [{ status: 'completed' }])
  t.match(await text(id), /SUMMARY:renamed/, 'the retry\'s calendar, not the first attempt\'s')
  const [job] = await boss.findJobs(ICAL_QUEUE, { id })
  t.match(job, { state: 'completed', retryCount: 1 })
})

t.test('a store that fails for another reason completes nothing, and the job fails with its reason', async (t) => {
  const id = await boss.send(ICAL_QUEUE, { filters: { completed: true } }) as string
  const [job] = await boss.fetch<IcalJobData>(ICAL_QUEUE)
  // A calendar row for the task already there, on a first attempt: its insert is refused.
  await saveSmallCalendars(db, [{ taskId: id, text: 'BEGIN:VCALENDAR\r\nX-CASE:left over\r\nEND:VCALENDAR\r\n', events: 0 }])
  const [result] = await handlers.completing([{ ...job!, signal: new AbortController().signal }])
  t.match(result, { status: 'failed', output: { message: /duplicate key/ } })
  const [after] = await boss.findJobs(ICAL_QUEUE, { id })
  t.match(after, { state: 'active', retryCount: 0 }, 'not completed: the completion rolled back with the store')
})
