// A pg-boss job, as a client of a Celery-style task API sees it.
import { Value } from '@sinclair/typebox/value'
import type { JobWithMetadata } from 'pg-boss'
import { IcalJobDataSchema, type IcalJobData, type IcalJobOutput } from './queue.ts'
import type { TaskStatusBody } from './schemas.ts'

export type TaskStatus = 'PENDING' | 'STARTED' | 'RETRY' | 'FAILURE' | 'SUCCESS' | 'REVOKED'
export type IcalJob = JobWithMetadata<IcalJobData>

const STATUS_OF_STATE: Record<IcalJob['state'], TaskStatus> = {
  created: 'PENDING',
  active: 'STARTED',
  retry: 'RETRY',
  completed: 'SUCCESS',
  failed: 'FAILURE',
  cancelled: 'REVOKED'
}

export const taskStatusOf = (job: IcalJob): TaskStatus => STATUS_OF_STATE[job.state]
/** The status of a pg-boss state read as text (task history, task lists). */
export const statusOfState = (state: string): TaskStatus => STATUS_OF_STATE[state as IcalJob['state']] ?? 'PENDING'
export const STATE_OF_STATUS = Object.fromEntries(Object.entries(STATUS_OF_STATE).map(([state, status]) => [status, state])) as Record<TaskStatus, IcalJob['state']>
export const isFinished = (status: TaskStatus) => status === 'SUCCESS' || status === 'FAILURE' || status === 'REVOKED'

export interface TaskUrls { status: string, result: string }

export function taskStatusBody (job: IcalJob, urls: TaskUrls): TaskStatusBody {
  const status = taskStatusOf(job)
  const body: TaskStatusBody = {
    task_id: job.id,
    task_status: status,
    result_url: urls.result,
    // A payload the worker refuses (it then fails with that reason) has no filters to show.
    filters: Value.Check(IcalJobDataSchema, job.data) ? job.data.filters : {},
    created_at: job.createdOn.toISOString(),
    started_at: job.startedOn ? job.startedOn.toISOString() : null,
    finished_at: isFinished(status) && job.completedOn ? job.completedOn.toISOString() : null,
    retry_count: job.retryCount,
    retry_limit: job.retryLimit
  }
  const error = errorMessage(job)
  if ((status === 'FAILURE' || status === 'RETRY') && error) body.error = error
  if (status === 'SUCCESS') {
    const output = job.output as Partial<IcalJobOutput> | null
    body.result = { events: output?.events ?? 0, bytes: output?.bytes ?? 0 }
  }
  return body
}

/** The message of the last failure: ours ({ name, message }) or pg-boss's (expiry, shutdown). */
export function errorMessage (job: IcalJob): string | undefined {
  const output = job.output as { message?: unknown, value?: unknown } | null
  if (!output) return undefined
  if (typeof output.message === 'string') return output.message
  if (typeof output.value === 'string') return output.value
  return JSON.stringify(output)
}
