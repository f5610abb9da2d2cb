// Every query on todos. Functions take the database or a transaction, so callers decide scope.
import { sql, type Selectable, type SelectQueryBuilder } from 'kysely'
import type { Database, Queryable, TodosTable } from '../db/schema.ts'
import { keysetPages } from '../db/keyset-pages.ts'
import type { TodoFilters } from './filters.ts'

export type TodoRow = Selectable<TodosTable>
export interface NewTodo { title: string, description?: string | null, completed?: boolean, deadline_at?: string | null }
export type TodoPatch = Partial<NewTodo>

const utcNow = sql<string>`(now() at time zone 'utc')`
export const MAX_TODO_ID = 2_147_483_647 // serial is a 32-bit integer

function matching<O> (query: SelectQueryBuilder<Database, 'todos', O>, filters: TodoFilters) {
  let q = query
  if (filters.completed !== undefined) q = q.where('completed', '=', filters.completed)
  if (filters.window !== undefined) {
    q = q.where('deadline_at', '<=', sql<string>`${utcNow} + make_interval(days => ${filters.window})`)
  }
  return q
}

/** A todo as GET /todos lists it: the fields of the Todo schema, in its order. */
const LISTED_FIELDS = ['id', 'title', 'description', 'completed', 'deadline_at', 'created_at', 'updated_at'] as const
export type ListedTodo = Pick<TodoRow, (typeof LISTED_FIELDS)[number]>

/** Up to `limit` todos matching the filters with an id above `afterId`, in id order (a keyset page). */
export function todosPage (db: Queryable, filters: TodoFilters, afterId: number, limit: number): Promise<ListedTodo[]> {
  return matching(db.selectFrom('todos').select(LISTED_FIELDS), filters).where('id', '>', afterId).orderBy('id').limit(limit).execute()
}

export function getTodo (db: Queryable, id: number, { forUpdate = false } = {}): Promise<TodoRow | undefined> {
  const query = db.selectFrom('todos').selectAll().where('id', '=', id)
  return (forUpdate ? query.forUpdate() : query).executeTakeFirst()
}

export function createTodo (db: Queryable, todo: NewTodo): Promise<TodoRow> {
  return db.insertInto('todos').values(todo).returningAll().executeTakeFirstOrThrow()
}

/** undefined when there is no such todo; an empty patch changes nothing (updated_at included). */
export async function updateTodo (db: Queryable, id: number, patch: TodoPatch): Promise<TodoRow | undefined> {
  if (Object.keys(patch).length === 0) return getTodo(db, id)
  return db.updateTable('todos').set({ ...patch, updated_at: utcNow, revision: sql<number>`revision + 1` }).where('id', '=', id)
    .returningAll().executeTakeFirst()
}

/** The deleted todo as the API shows it (no revision: DELETE's response is a Todo or {}, exactly). */
export function deleteTodo (db: Queryable, id: number) {
  return db.deleteFrom('todos').where('id', '=', id)
    .returning(['id', 'title', 'description', 'completed', 'deadline_at', 'created_at', 'updated_at']).executeTakeFirst()
}

export type CalendarTodo = Pick<TodoRow, 'id' | 'title' | 'description' | 'completed' | 'deadline_at'>

/** The todos a calendar shows (those with a deadline), in id order, after a given id. */
export function calendarTodosPage (db: Queryable, filters: TodoFilters, afterId: number, limit: number): Promise<CalendarTodo[]> {
  return matching(db.selectFrom('todos').select(['id', 'title', 'description', 'completed', 'deadline_at']), filters)
    .where('deadline_at', 'is not', null).where('id', '>', afterId).orderBy('id').limit(limit).execute()
}

/**
 * The first page of calendarTodosPage for each of several filters, read by ONE statement: one
 * round trip and one snapshot for a whole batch of calendar jobs, instead of one per filter (a
 * batch of 50 jobs with distinct filters spent most of its time waiting on 50 reads). `now()` is
 * the same for every filter. The text is one prepared statement whatever the batch holds: the
 * filters travel as arrays (null = that filter is not set). pages[i] belongs to filters[i].
 */
export async function calendarTodosFirstPages (db: Queryable, filters: TodoFilters[], limit: number): Promise<CalendarTodo[][]> {
  const pages: CalendarTodo[][] = filters.map(() => [])
  if (filters.length === 0) return pages
  if (filters.length === 1) return [await calendarTodosPage(db, filters[0]!, 0, limit)]
  const { rows } = await sql<CalendarTodo & { filter: string }>`
    select f.filter, t.id, t.title, t.description, t.completed, t.deadline_at
    from unnest(${filters.map((f) => f.completed ?? null)}::boolean[], ${filters.map((f) => f.window ?? null)}::integer[])
      with ordinality as f(completed, window_days, filter)
    cross join lateral (
      select id, title, description, completed, deadline_at from todos
      where deadline_at is not null
        and (f.completed is null or todos.completed = f.completed)
        and (f.window_days is null or deadline_at <= ${utcNow} + make_interval(days => f.window_days))
      order by id limit ${limit}
    ) as t
    order by f.filter, t.id`.execute(db)
  for (const { filter, ...todo } of rows) pages[Number(filter) - 1]!.push(todo)
  return pages
}

/**
 * All of them, page by page, so a calendar of any size is read with bounded memory. Run it in
 * one REPEATABLE READ transaction to read a single snapshot. Pages of 1,000: rows of a page live
 * while it is read and rendered, long enough for V8 to move them to the old generation, and with
 * pages of 5,000 a 100,000-todo calendar's worker peaked at 265-275 MB RSS, with 1,000 at
 * 195-200 MB (500: 190 MB, and slower), at the same job time (measured side by side, npm run worker).
 */
export function calendarTodoPages (db: Queryable, filters: TodoFilters, pageSize = 1000): AsyncGenerator<CalendarTodo[]> {
  return keysetPages((afterId, size) => calendarTodosPage(db, filters, afterId, size), pageSize)
}

/** The todos a feed shows (those with a deadline), with what its events need to stay stable. */
export function feedTodos (db: Queryable, filters: TodoFilters) {
  return matching(db.selectFrom('todos').select(['id', 'title', 'description', 'completed', 'deadline_at', 'updated_at', 'revision']), filters)
    .where('deadline_at', 'is not', null).orderBy('id').execute()
}

/** Does a todo (as it is, or was) belong in a calendar with these filters now? */
export function inCalendar (todo: Pick<TodoRow, 'completed' | 'deadline_at'>, filters: TodoFilters, nowUtc = new Date()): boolean {
  if (todo.deadline_at === null) return false
  if (filters.completed !== undefined && todo.completed !== filters.completed) return false
  if (filters.window === undefined) return true
  return new Date(`${todo.deadline_at}Z`).getTime() <= nowUtc.getTime() + filters.window * 86_400_000
}
