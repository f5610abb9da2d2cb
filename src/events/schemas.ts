import { Type } from '@sinclair/typebox'
import { TaskStatusName } from '../calendar/schemas.ts'
import { Nullable, matching } from '../http/schemas.ts'

const Seq = Type.Integer({ minimum: 1, description: 'The event id: one sequence for all events, increasing with time' })

export const TaskEventSchema = Type.Object({
  kind: Type.Literal('task'),
  seq: Seq,
  task_id: Type.String({ format: 'uuid' }),
  task_status: TaskStatusName,
  attempt: Type.Integer(),
  changed_by: Nullable(Type.String({ description: 'The process that made the change (application_name)' })),
  error: Nullable(Type.String({ description: 'Why the attempt failed (RETRY, FAILURE); at most 500 characters here, whole in the timeline' })),
  at: Type.String({ format: 'date-time' })
}, { description: 'A calendar task changed state' })

export const TodoEventSchema = Type.Object({
  kind: Type.Literal('todo'),
  seq: Seq,
  op: Type.Union([Type.Literal('insert'), Type.Literal('update'), Type.Literal('delete')]),
  todo_ids: Type.Array(Type.Integer(), { description: 'The first 100 todos the change touched' }),
  count: Type.Integer({ description: 'How many todos the change touched' }),
  at: Type.String({ format: 'date-time' })
}, { description: 'Todos were created, changed or deleted (one event per statement)' })

const EventId = Type.String({
  ...matching('^[0-9]{1,15}$', 'must be an event id (a whole number) this API handed out'),
  examples: ['42']
})

export const StreamQuery = Type.Object({
  last_event_id: Type.Optional({ ...EventId, description: 'Resume after this event; the same as the Last-Event-ID header, for clients that cannot set headers' })
}, { additionalProperties: false })

export const PollQuery = Type.Object({
  after: Type.Optional({ ...EventId, description: 'The last_seq of the previous answer (0 or absent: from the start of what is kept)' }),
  wait: Type.Optional(Type.String({
    ...matching('^([0-9]|[12][0-9]|30)$', 'must be a whole number of seconds from 0 to 30'),
    description: 'Seconds (0-30) to hold the request until an event arrives',
    examples: ['25']
  }))
}, { additionalProperties: false })

export const PollResponse = Type.Object({
  events: Type.Array(Type.Union([TaskEventSchema, TodoEventSchema]), { description: 'Oldest first; may repeat a few events already seen (skip known seq)' }),
  last_seq: Type.Integer({ description: 'Pass as ?after= next time' }),
  reset: Type.Boolean({ description: 'Too much was missed to replay: reload the todos and tasks, then poll from last_seq' })
}, {
  $id: 'EventPoll',
  examples: [{ events: [{ kind: 'task', seq: 43, task_id: '5b6a7c1e-2f1d-4c3b-9a8e-7d6c5b4a3f21', task_status: 'STARTED', attempt: 1, changed_by: 'taskoverflow-api@host:41', error: null, at: '2026-11-25T10:00:00.004Z' }], last_seq: 43, reset: false }]
})
