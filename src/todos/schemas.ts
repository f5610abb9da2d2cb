import { Type, type Static } from '@sinclair/typebox'
import { Nullable, Text, matching } from '../http/schemas.ts'
import { DATE_TIME } from './deadline.ts'

const Timestamp = (description: string) => Type.String({ description, examples: ['2023-02-27T00:00:00'] })

export const Todo = Type.Object({
  id: Type.Integer({ examples: [1] }),
  title: Type.String({ examples: ['Watch CSSE6400 Lecture'] }),
  description: Nullable(Type.String({ examples: ['Watch the lecture recording on queues'] })),
  completed: Type.Boolean(),
  deadline_at: Nullable(Timestamp('Deadline, UTC, ISO 8601 without offset')),
  created_at: Timestamp('UTC, ISO 8601 without offset'),
  updated_at: Timestamp('UTC, ISO 8601 without offset')
}, { $id: 'Todo', additionalProperties: false })

const fields = {
  title: Text({ minLength: 1, maxLength: 80, examples: ['Watch CSSE6400 Lecture'] }),
  description: Nullable(Text({ maxLength: 120, examples: ['Watch the lecture recording on queues'] })),
  completed: Type.Boolean({ description: 'Default: false' }),
  deadline_at: Nullable(Type.String({
    ...DATE_TIME,
    description: 'ISO 8601. Without an offset it is taken as UTC and returned exactly as sent; with Z or an offset (+10:00) it is converted to UTC.',
    examples: ['2023-02-27T00:00:00']
  }))
}

export const TodoCreate = Type.Object({
  title: fields.title,
  description: Type.Optional(fields.description),
  completed: Type.Optional(fields.completed),
  deadline_at: Type.Optional(fields.deadline_at)
}, { additionalProperties: false, examples: [{ title: 'Watch CSSE6400 Lecture', description: 'Week 7', completed: false, deadline_at: '2023-02-27T00:00:00' }] })
export type TodoCreate = Static<typeof TodoCreate>

export const TodoUpdate = Type.Object({
  title: Type.Optional(fields.title),
  description: Type.Optional(fields.description),
  completed: Type.Optional(fields.completed),
  deadline_at: Type.Optional(fields.deadline_at)
}, { additionalProperties: false, examples: [{ completed: true }] })
export type TodoUpdate = Static<typeof TodoUpdate>

export const TodoIdParams = Type.Object({
  id: Type.String({ ...matching('^[0-9]+$', 'must be a positive integer'), description: 'Todo id', examples: ['1'] })
})
