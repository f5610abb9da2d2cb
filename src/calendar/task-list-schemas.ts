// Schemas of the job monitor's routes: task lists, counts per status, a task's timeline.
import { Type, type Static } from '@sinclair/typebox'
import { Nullable, matching } from '../http/schemas.ts'
import { TaskStatusName } from './schemas.ts'

const TASK_ID = '5b6a7c1e-2f1d-4c3b-9a8e-7d6c5b4a3f21'
const DateTime = (description: string) => Nullable(Type.String({ format: 'date-time', description }))

export const TaskSummary = Type.Object({
  task_id: Type.String({ format: 'uuid' }),
  task_status: TaskStatusName,
  filters: Type.Object({ completed: Type.Optional(Type.Boolean()), window: Type.Optional(Type.Integer()) }),
  created_at: Type.String({ format: 'date-time' }),
  started_at: DateTime('When a worker last started it'),
  finished_at: DateTime('When it reached SUCCESS, FAILURE or REVOKED'),
  duration_ms: Nullable(Type.Integer({ description: 'finished_at - started_at, once finished' })),
  attempts: Type.Integer({ description: 'Times a worker started it' }),
  error: Type.Optional(Type.String({ description: 'On FAILURE and RETRY: the message of the last failure' }))
}, { $id: 'TaskSummary' })
export type TaskSummary = Static<typeof TaskSummary>

export const TaskPage = Type.Object({
  tasks: Type.Array(Type.Ref(TaskSummary), { description: 'Newest first' }),
  next: Nullable(Type.String({ description: 'Pass as ?before= for the next (older) page; null on the last page' }))
}, {
  $id: 'TaskPage',
  examples: [{
    tasks: [{ task_id: TASK_ID, task_status: 'SUCCESS', filters: {}, created_at: '2026-11-25T10:00:00.000Z', started_at: '2026-11-25T10:00:00.004Z', finished_at: '2026-11-25T10:00:00.009Z', duration_ms: 5, attempts: 1 }],
    next: null
  }]
})

export const TaskListQuery = Type.Object({
  status: Type.Optional(Type.Unsafe<'PENDING' | 'STARTED' | 'RETRY' | 'FAILURE' | 'SUCCESS' | 'REVOKED'>({
    type: 'string', enum: ['PENDING', 'STARTED', 'RETRY', 'FAILURE', 'SUCCESS', 'REVOKED'], description: 'Only tasks in this status'
  })),
  limit: Type.Optional(Type.String({
    ...matching('^([1-9]|[1-9][0-9]|100)$', 'must be a whole number from 1 to 100'),
    description: 'Tasks per page (1-100, default 20)',
    examples: ['20']
  })),
  before: Type.Optional(Type.String({ maxLength: 200, description: 'The "next" cursor of the previous page' }))
}, { additionalProperties: false })

const Count = Type.Integer({ minimum: 0 })
export const TaskCounts = Type.Object({
  PENDING: Count, STARTED: Count, RETRY: Count, FAILURE: Count, SUCCESS: Count, REVOKED: Count
}, { $id: 'TaskCounts', description: 'Tasks pg-boss keeps, per status', examples: [{ PENDING: 1, STARTED: 2, RETRY: 0, FAILURE: 0, SUCCESS: 40, REVOKED: 1 }] })
export type TaskCounts = Static<typeof TaskCounts>

export const TimelineEntry = Type.Object({
  seq: Type.Integer({ description: 'Position in the event feed (the SSE id of this change)' }),
  task_status: TaskStatusName,
  attempt: Type.Integer({ description: 'Which attempt this change belongs to (1 = the first run)' }),
  worker: Nullable(Type.String({ description: 'The process that had this attempt (application_name); null while queued' })),
  changed_by: Nullable(Type.String({ description: 'The process that made this change: the API for queue, cancel and retry, pg-boss\'s supervisor for expiry' })),
  error: Nullable(Type.String({ description: 'Why this attempt failed (RETRY, FAILURE)' })),
  at: Type.String({ format: 'date-time' })
})

export const Timeline = Type.Object({
  task_id: Type.String({ format: 'uuid' }),
  events: Type.Array(TimelineEntry, { description: 'Every state change, oldest first' })
}, {
  $id: 'Timeline',
  examples: [{
    task_id: TASK_ID,
    events: [
      { seq: 1, task_status: 'PENDING', attempt: 1, worker: null, changed_by: 'taskoverflow-api@host:41', error: null, at: '2026-11-25T10:00:00.000Z' },
      { seq: 2, task_status: 'STARTED', attempt: 1, worker: 'taskoverflow-worker@host:52', changed_by: 'taskoverflow-worker@host:52', error: null, at: '2026-11-25T10:00:00.004Z' },
      { seq: 3, task_status: 'SUCCESS', attempt: 1, worker: 'taskoverflow-worker@host:52', changed_by: 'taskoverflow-worker@host:52', error: null, at: '2026-11-25T10:00:00.009Z' }
    ]
  }]
})
