// The calendar job: read the todos a job asks for, render them, store the calendar. pg-boss hands
// a worker a batch of jobs, and the batch is built together: one statement reads the todos of
// every distinct filter (identical requests share one rendering), and one statement stores all
// the calendars, so a backlog costs a few round trips per batch, not per job (BATCH_READ_TODOS
// bounds what one read holds). A calendar of more than SMALL_CALENDAR_TODOS is built on its own,
// streamed. Every job still settles on its own (perJobResults): a job with bad data fails alone,
// and a retried job never disturbs its neighbours. A job stored on its own (an idle queue, where
// latency counts) is completed in the very transaction that stores its calendar.
import { setTimeout as delay } from 'node:timers/promises'
import { Value } from '@sinclair/typebox/value'
import { type Kysely, type Transaction } from 'kysely'
import type { Job, JobResult, JobWithMetadata } from 'pg-boss'
import type { ReadyConfig } from '../config.ts'
import type { Database } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import type { OneTripTransaction } from '../db/one-trip.ts'
import { lockCurrentAttempts, StaleAttemptError } from '../queue/attempt-guard.ts'
import { completedHere, type CompleteInTransaction } from '../queue/complete-in-transaction.ts'
import { ICAL_QUEUE, IcalJobDataSchema, type IcalJobData, type IcalJobOutput } from './queue.ts'
import { calendarTodoPages, calendarTodosFirstPages, type CalendarTodo } from '../todos/repository.ts'
import { renderCalendar, renderCalendarText, type CalendarOptions } from './ical.ts'
import { deleteCalendars, saveCalendar, saveSmallCalendars, smallCalendarStatements } from './store.ts'

/** A logger that can make a child per job (pino's and Fastify's can). */
export type JobLogger = BaseLogger & { level: string, child (bindings: Record<string, unknown>): BaseLogger }

export interface IcalJobDeps {
  db: Kysely<Database>
  config: ReadyConfig
  logger: JobLogger
  /**
   * A job stored on its own (an idle queue, where latency counts) is completed in the transaction
   * that stores its calendar, sent as one round trip (complete-in-transaction.ts, db/one-trip.ts).
   */
  completing?: Completing | undefined
  /**
   * Told before a job's storing transaction, which completes it, commits; the function it answers
   * is called once that is over, with the job as the job table now holds it, or with nothing if
   * it did not commit (an API with an inline worker hands it to its `?wait=` requests).
   */
  settlingHere?: ((id: string) => (job?: CompletedIcalJob) => void) | undefined
}

type IcalJob = Job<IcalJobData>
interface Completing { complete: CompleteInTransaction<IcalJobOutput>, transaction: OneTripTransaction }
/** A job as fetched with its metadata (includeMetadata), as the job table holds it once completed. */
export type CompletedIcalJob = JobWithMetadata<IcalJobData> & { state: 'completed', output: IcalJobOutput, completedOn: Date }

/** Todos that a calendar built in the batch may hold; more than this and it is streamed on its own. */
export const SMALL_CALENDAR_TODOS = 2000
/**
 * Todo rows one read of a batch returns at most. A batch's distinct filters are first read all
 * together, each with an equal share of this (50 filters: 1,000 todos each; 200: 250), so a batch
 * of small calendars is one read. Calendars over their share are read again, as many at a time as
 * fit this with SMALL_CALENDAR_TODOS each. Each read's calendars are stored before the next read,
 * so a fetch loop holds at most this many todos and their calendars' text at once, whatever the
 * batch size.
 */
export const BATCH_READ_TODOS = 50_000

/** A filter's share of one read of the batch, for this many distinct filters in that read. */
export const smallCalendarLimit = (distinctFilters: number) =>
  Math.max(1, Math.min(SMALL_CALENDAR_TODOS, Math.floor(BATCH_READ_TODOS / Math.max(1, distinctFilters))))

export function icalJobHandler (deps: IcalJobDeps) {
  const { config, logger } = deps
  // Every line about a job carries its task id and attempt (1 for the first run), as the API's
  // lines carry the task id: grep one task across processes. Made only when a line is written.
  const logOf = (job: IcalJob) => logger.child({ taskId: job.id, attempt: job.retryCount + 1 })
  const debugging = () => logger.level === 'debug' || logger.level === 'trace'
  const completed = (job: IcalJob, output: IcalJobOutput): JobResult => {
    if (debugging()) logOf(job).debug(output, 'calendar job done')
    return { id: job.id, status: 'completed', output }
  }
  const failed = (job: IcalJob, error: unknown): JobResult => {
    const err = error instanceof Error ? error : new Error(String(error))
    // An aborted signal: the job was cancelled, its claim lapsed (pg-boss gave up on it at
    // shutdown), or this process's liveness session ended and the job was handed back
    // (src/queue/liveness.ts). Either way it is settled or running elsewhere; this result changes nothing.
    if (job.signal.aborted) logOf(job).info('calendar job stopped: cancelled, or handed back')
    else logOf(job).warn({ err }, 'calendar job failed')
    return { id: job.id, status: 'failed', output: { name: err.name, message: err.message } }
  }

  return async (jobs: IcalJob[]): Promise<JobResult[]> => {
    if (debugging()) for (const job of jobs) logOf(job).debug({ batch: jobs.length }, 'calendar job started')
    const results = new Map<string, JobResult>()
    let runnable: IcalJob[] = []
    for (const job of jobs) {
      const problem = invalidData(job)
      if (problem) results.set(job.id, failed(job, new Error(problem)))
      else runnable.push(job)
    }
    if (config.jobs.icalDelayMs > 0) {
      // The course's artificial sleep, per job; a cancelled job stops waiting.
      const waited = await Promise.allSettled(runnable.map((job) => delay(config.jobs.icalDelayMs, undefined, { signal: job.signal })))
      runnable = runnable.filter((job, i) => {
        const outcome = waited[i]!
        if (outcome.status === 'rejected') results.set(job.id, failed(job, outcome.reason))
        return outcome.status === 'fulfilled'
      })
    }
    const options = { prodId: config.calendar.prodId, stamp: new Date() }
    try {
      const large = await buildSmallCalendars(deps, runnable, options, (job, output) => results.set(job.id, completed(job, output)))
      // One at a time: each holds a chunk of its calendar in memory, not the whole.
      for (const job of large) {
        try {
          results.set(job.id, completed(job, await buildLargeCalendar(deps.db, job, { ...options, stamp: new Date() })))
        } catch (error) {
          results.set(job.id, failed(job, error))
        }
      }
    } catch (error) {
      for (const job of runnable) if (!results.has(job.id)) results.set(job.id, failed(job, error))
    }
    // Left out of the store because they were cancelled while being built.
    for (const job of runnable) if (!results.has(job.id)) results.set(job.id, failed(job, new Error('cancelled before its calendar was stored')))
    return jobs.map((job) => results.get(job.id)!)
  }
}

function invalidData (job: IcalJob): string | undefined {
  if (Value.Check(IcalJobDataSchema, job.data)) return undefined
  const problem = [...Value.Errors(IcalJobDataSchema, job.data)][0]
  return `invalid job data at ${problem?.path || '/'}: ${problem?.message ?? 'unexpected shape'}`
}

/**
 * One REPEATABLE READ transaction for a calendar read page by page: a consistent snapshot of the
 * todos as they were when it started, stored all at once or not at all.
 */
function inSnapshot<T> (db: Kysely<Database>, work: (trx: Transaction<Database>) => Promise<T>): Promise<T> {
  // (Its commit does not wait for the disk: the insert into calendars says so, by migration 0009's trigger.)
  return db.transaction().setIsolationLevel('repeatable read').execute(work)
}

type Built = (job: IcalJob, output: IcalJobOutput) => void

/** Builds and stores the batch's small calendars (reporting each as it is stored); returns the jobs too big for that. */
async function buildSmallCalendars (deps: IcalJobDeps, jobs: IcalJob[], options: CalendarOptions, built: Built): Promise<IcalJob[]> {
  const groups = [...Map.groupBy(jobs, (job) => JSON.stringify(job.data.filters, ['completed', 'window'])).values()]
  const share = smallCalendarLimit(groups.length)
  const over = await buildTogether(deps, groups, share, options, built)
  if (share === SMALL_CALENDAR_TODOS) return over.flat()
  // Over their share: read again with the full limit, as many filters at a time as the budget allows.
  const perRead = Math.max(1, Math.floor(BATCH_READ_TODOS / (SMALL_CALENDAR_TODOS + 1)))
  const large: IcalJob[] = []
  for (let i = 0; i < over.length; i += perRead) {
    large.push(...(await buildTogether(deps, over.slice(i, i + perRead), SMALL_CALENDAR_TODOS, options, built)).flat())
  }
  return large
}

/**
 * One statement reads the todos of these groups of jobs (one group per distinct filter: one
 * consistent snapshot, no transaction needed), each group's calendar is rendered once, and one
 * statement stores them all. Returns the groups with more todos than the limit (one more row than
 * the limit is read to tell them).
 */
async function buildTogether (deps: IcalJobDeps, groups: IcalJob[][], limit: number, options: CalendarOptions, built: Built): Promise<IcalJob[][]> {
  const { db } = deps
  const over: IcalJob[][] = []
  const calendars: Calendar[] = []
  const pages = await calendarTodosFirstPages(db, groups.map((group) => group[0]!.data.filters), limit + 1)
  for (const [i, group] of groups.entries()) {
    const todos = pages[i]!
    pages[i] = [] // rendered below or read again: not kept meanwhile
    if (todos.length > limit) {
      over.push(group)
      continue
    }
    const text = renderCalendarText(todos, options)
    for (const job of group) calendars.push({ job, text, events: todos.length })
  }
  // Jobs cancelled meanwhile store nothing (their results are ignored).
  const wanted = calendars.filter((c) => !c.job.signal.aborted)
  const [only] = wanted
  if (only && wanted.length === 1 && deps.completing) {
    await storeAndComplete(deps, deps.completing, only, built)
  } else if (wanted.length > 0) {
    const stored = await db.transaction().execute(async (trx) => {
      // Only attempts still current store (a job handed to another attempt must not: attempt-guard.ts).
      const current = await lockCurrentAttempts(trx, ICAL_QUEUE, wanted.map((c) => c.job))
      const kept = wanted.filter((c) => current.has(c.job.id))
      // One statement stores them all, atomically; a retry first removes what an earlier attempt stored.
      await deleteCalendars(trx, kept.filter((c) => c.job.retryCount > 0).map((c) => c.job.id))
      if (kept.length > 0) await saveSmallCalendars(trx, kept.map(calendarRow))
      return kept
    })
    for (const c of stored) built(c.job, outputOf(c))
  }
  return over
}

interface Calendar { job: IcalJob, text: string, events: number }
const calendarRow = (c: Calendar) => ({ taskId: c.job.id, text: c.text, events: c.events })
const outputOf = (c: Calendar): IcalJobOutput => ({ events: c.events, bytes: Buffer.byteLength(c.text) })

/**
 * One job's calendar stored and its job completed in one transaction, sent as one round trip
 * (BEGIN, complete, store, COMMIT: src/db/one-trip.ts): the completion's attempt fence replaces
 * the lock the batch path takes. The store names the task by completedHere(), so a stale attempt
 * (which completes nothing) fails its store, and the transaction rolls back; then nothing is
 * reported, and the job fails as cancelled.
 */
async function storeAndComplete (deps: IcalJobDeps, completing: Completing, calendar: Calendar, built: Built): Promise<void> {
  const { job } = calendar
  const output = outputOf(calendar)
  const statements = smallCalendarStatements(deps.db, calendar, completedHere(ICAL_QUEUE, job.id), { replace: job.retryCount > 0 })
  let handOver: ((job?: CompletedIcalJob) => void) | undefined
  let completed: CompletedIcalJob | undefined
  try {
    const { committed, value } = await completing.transaction(async (send) => {
      // From here the job's settled NOTIFY may come (with the commit) before the commit's answer.
      handOver = deps.settlingHere?.(job.id)
      const completion = completing.complete(send, job, output)
      await completion.sent
      return { completion, answers: statements.map((s) => send(s.sql, s.parameters)) }
    })
    const done = await value.completion.completed
    if (!committed) {
      if (!done) return // a stale attempt: nothing stored, nothing completed
      for (const answer of value.answers) await answer // the first that failed says why (it throws)
      throw new Error('the calendar\'s store and completion rolled back')
    }
    const stored = await value.answers.at(-1)!
    const { stored_at: completedOn } = stored.rows[0] as { stored_at: Date } // the transaction's now(): pg-boss's completed_on too
    built(job, output)
    if (hasMetadata(job)) completed = { ...job, state: 'completed', output, completedOn }
  } finally {
    handOver?.(completed)
  }
}

const hasMetadata = (job: IcalJob): job is JobWithMetadata<IcalJobData> => 'state' in job && 'createdOn' in job

async function buildLargeCalendar (db: Kysely<Database>, job: IcalJob, options: CalendarOptions): Promise<IcalJobOutput> {
  const stored = await inSnapshot(db, async (trx) => {
    let events = 0
    const counted = async function * (pages: AsyncIterable<CalendarTodo[]>) {
      for await (const page of pages) {
        events += page.length
        yield page
      }
    }
    if (!(await lockCurrentAttempts(trx, ICAL_QUEUE, [job])).has(job.id)) throw new StaleAttemptError()
    const text = renderCalendar(counted(calendarTodoPages(trx, job.data.filters)), options)
    return saveCalendar(trx, job.id, text, () => events, { replace: job.retryCount > 0, signal: job.signal })
  })
  return { events: stored.event_count, bytes: stored.byte_length }
}
