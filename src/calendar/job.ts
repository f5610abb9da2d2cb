// The calendar job: read the todos the job asks for, render them, store the calendar. pg-boss
// hands a worker a batch of jobs; each job runs and settles on its own (perJobResults), so one
// failing job never fails or retries its neighbours.
import { setTimeout as delay } from 'node:timers/promises'
import { Value } from '@sinclair/typebox/value'
import type { Kysely } from 'kysely'
import type { Job, JobResult } from 'pg-boss'
import type { ReadyConfig } from '../config.ts'
import type { Database } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import { IcalJobDataSchema, type IcalJobData, type IcalJobOutput } from '../queue/queues.ts'
import { calendarTodos, type CalendarTodo } from '../todos/repository.ts'
import { renderCalendar } from './ical.ts'
import { saveCalendar } from './store.ts'

export interface IcalJobDeps {
  db: Kysely<Database>
  config: ReadyConfig
  logger: BaseLogger
}

export function icalJobHandler (deps: IcalJobDeps) {
  return async (jobs: Array<Job<IcalJobData>>): Promise<JobResult[]> =>
    Promise.all(jobs.map(async (job): Promise<JobResult> => {
      try {
        return { id: job.id, status: 'completed', output: await buildJobCalendar(deps, job) }
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error))
        deps.logger.warn({ jobId: job.id, retryCount: job.retryCount, err }, 'calendar job failed')
        return { id: job.id, status: 'failed', output: { name: err.name, message: err.message } }
      }
    }))
}

async function buildJobCalendar ({ db, config }: IcalJobDeps, job: Job<IcalJobData>): Promise<IcalJobOutput> {
  if (!Value.Check(IcalJobDataSchema, job.data)) {
    const problem = [...Value.Errors(IcalJobDataSchema, job.data)][0]
    throw new Error(`invalid job data at ${problem?.path || '/'}: ${problem?.message ?? 'unexpected shape'}`)
  }
  if (config.jobs.icalDelayMs > 0) await delay(config.jobs.icalDelayMs, undefined, { signal: job.signal })

  // One REPEATABLE READ transaction: the calendar is a consistent snapshot of the todos as they
  // were when the job started, and its chunks appear all at once or not at all.
  const stamp = new Date()
  const stored = await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
    let events = 0
    const counted = async function * (todos: AsyncIterable<CalendarTodo>) {
      for await (const todo of todos) {
        events++
        yield todo
      }
    }
    const text = renderCalendar(counted(calendarTodos(trx, job.data.filters)), { prodId: config.calendar.prodId, stamp })
    return saveCalendar(trx, job.id, text, () => events, job.signal)
  })
  return { events: stored.event_count, bytes: stored.byte_length }
}
