import { Type, type Static } from '@sinclair/typebox'
import { QueryInteger } from '../http/query-integers.ts'
import { Nullable } from '../http/schemas.ts'

const TASK_ID = '5b6a7c1e-2f1d-4c3b-9a8e-7d6c5b4a3f21'
const statusUrl = `http://localhost:6400/api/v1/todos/ical/${TASK_ID}/status`
const resultUrl = `http://localhost:6400/api/v1/todos/ical/${TASK_ID}/result`

export const TaskStatusName = Type.Union(
  ['PENDING', 'STARTED', 'RETRY', 'FAILURE', 'SUCCESS', 'REVOKED'].map((s) => Type.Literal(s)),
  { description: "Celery's names: PENDING (queued), STARTED (a worker has it), RETRY (failed, will run again), FAILURE (failed after its retries), SUCCESS (the calendar is ready), REVOKED (cancelled)" }
)

export const TaskCreated = Type.Object({
  task_id: Type.String({ format: 'uuid', examples: [TASK_ID] }),
  task_url: Type.String({ description: 'Absolute URL of the task status', examples: [statusUrl] })
}, { $id: 'TaskCreated', examples: [{ task_id: TASK_ID, task_url: statusUrl }] })

export const TaskStatusBody = Type.Object({
  task_id: Type.String({ format: 'uuid' }),
  task_status: TaskStatusName,
  result_url: Type.String({ description: 'Where the calendar can be downloaded once the status is SUCCESS' }),
  filters: Type.Object({
    completed: Type.Optional(Type.Boolean()),
    window: Type.Optional(Type.Integer())
  }, { description: 'The filters the calendar is built with' }),
  created_at: Type.String({ format: 'date-time' }),
  started_at: Nullable(Type.String({ format: 'date-time', description: 'When a worker last started it' })),
  finished_at: Nullable(Type.String({ format: 'date-time', description: 'When it reached SUCCESS, FAILURE or REVOKED' })),
  retry_count: Type.Integer({ description: 'Retries so far' }),
  retry_limit: Type.Integer({ description: 'Retries allowed before FAILURE' }),
  error: Type.Optional(Type.String({ description: 'On FAILURE and RETRY: the message of the last failure' })),
  result: Type.Optional(Type.Object({
    events: Type.Integer({ description: 'VEVENTs in the calendar (todos with a deadline)' }),
    bytes: Type.Integer({ description: 'Size of the .ics file' })
  }, { description: 'On SUCCESS' }))
}, {
  $id: 'TaskStatus',
  examples: [{
    task_id: TASK_ID,
    task_status: 'SUCCESS',
    result_url: resultUrl,
    filters: {},
    created_at: '2026-11-25T10:00:00.000Z',
    started_at: '2026-11-25T10:00:00.004Z',
    finished_at: '2026-11-25T10:00:00.009Z',
    retry_count: 0,
    retry_limit: 2,
    result: { events: 2, bytes: 512 }
  }]
})
export type TaskStatusBody = Static<typeof TaskStatusBody>

export const TaskError = Type.Object({
  error: Type.String(),
  task_status: TaskStatusName,
  reason: Type.Optional(Type.String({ description: 'Why the task failed or that it was cancelled' }))
}, { $id: 'TaskError', examples: [{ error: 'Task not finished', task_status: 'STARTED' }] })

export const TaskIdParams = Type.Object({
  task_id: Type.String({ description: 'The task_id POST /todos/ical returned', examples: [TASK_ID] })
})

export const WaitQuery = Type.Object({
  wait: Type.Optional(QueryInteger({
    minimum: 0,
    maximum: 30,
    unit: 'seconds',
    description: 'Seconds (0-30) to hold the request until the task finishes; answers as soon as it does',
    example: 10
  }))
}, { additionalProperties: false })
