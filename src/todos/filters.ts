// The filters of GET /todos, shared by POST /todos/ical (a calendar job builds from the same set).
import { Type, type Static } from '@sinclair/typebox'
import { QueryInteger } from '../http/query-integers.ts'

export interface TodoFilters {
  /** only completed (true) or only open (false) todos */
  completed?: boolean
  /** only todos due at or before now + this many days, overdue included; no deadline: excluded */
  window?: number
}

// Query strings are text; they are matched exactly (no "1", "yes", " 5" or "0x10": see QueryInteger).
export const TodoFiltersQuery = Type.Object({
  completed: Type.Optional(Type.Unsafe<'true' | 'false'>({
    type: 'string', enum: ['true', 'false'], description: 'Only completed (true) or only open (false) todos'
  })),
  window: Type.Optional(QueryInteger({
    minimum: 0,
    maximum: 99999,
    unit: 'days',
    description: 'Only todos whose deadline is at or before now + this many days (0-99999), overdue included; todos without a deadline are left out',
    example: 5
  }))
}, { additionalProperties: false })
export type TodoFiltersQuery = Static<typeof TodoFiltersQuery>

export function parseFilters (query: TodoFiltersQuery): TodoFilters {
  const filters: TodoFilters = {}
  if (query.completed !== undefined) filters.completed = query.completed === 'true'
  if (query.window !== undefined) filters.window = query.window
  return filters
}
