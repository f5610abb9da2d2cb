// Where finished calendars live: in our own tables, in the same database as the todos and the
// queue. The text is stored in chunks of about 1 MiB, so writing and reading back a calendar of
// any size holds one chunk at a time; Postgres compresses them (TOAST).
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import type { CalendarsTable, Database, Queryable } from '../db/schema.ts'

export const CHUNK_BYTES = 1024 * 1024

export type CalendarInfo = Selectable<CalendarsTable>

/**
 * Store the text of a calendar under its task id, inside the caller's transaction. A calendar
 * that fits one chunk (nearly all) costs one statement: the chunk and its calendars row together.
 */
export async function saveCalendar (
  trx: Transaction<Database>,
  taskId: string,
  text: AsyncIterable<string>,
  eventCount: () => number,
  { chunkBytes = CHUNK_BYTES, replace = true, signal }: { chunkBytes?: number, replace?: boolean, signal?: AbortSignal } = {}
): Promise<CalendarInfo> {
  // A retried job replaces what an earlier attempt stored (its transaction committed, but the
  // job was not marked completed); a first attempt has nothing to replace.
  if (replace) await trx.deleteFrom('calendars').where('task_id', '=', taskId).execute()
  let byteLength = 0
  let seq = 0
  let chunk = ''
  let chunkLength = 0
  // One chunk is written while the next is rendered: at most two in memory, and the database
  // works in parallel with us.
  let writing: Promise<unknown> = Promise.resolve()
  for await (const piece of text) {
    // Write a full chunk only once more text follows, so the last chunk is never empty.
    if (chunkLength >= chunkBytes) {
      signal?.throwIfAborted() // cancelled: stop, and roll back what was written
      await writing
      writing = trx.insertInto('calendar_chunks').values({ task_id: taskId, seq: seq++, data: chunk }).execute()
      writing.catch(() => {}) // (awaited before the next write; this only keeps an early exit from leaving it unhandled)
      chunk = ''
      chunkLength = 0
    }
    const bytes = Buffer.byteLength(piece)
    chunk += piece
    chunkLength += bytes
    byteLength += bytes
  }
  await writing
  signal?.throwIfAborted()
  return trx
    .with('last_chunk', (db) => db.insertInto('calendar_chunks').values({ task_id: taskId, seq, data: chunk }))
    .insertInto('calendars')
    .values({ task_id: taskId, event_count: eventCount(), byte_length: byteLength, chunk_count: seq + 1 })
    .returningAll()
    .executeTakeFirstOrThrow()
}

/** Calendars that fit one chunk, all stored by one statement: a whole batch of small jobs at once. */
export async function saveSmallCalendars (db: Queryable, calendars: Array<{ taskId: string, text: string, events: number }>): Promise<void> {
  await db
    .with('chunks', (db) => db.insertInto('calendar_chunks').values(calendars.map((c) => ({ task_id: c.taskId, seq: 0, data: c.text }))))
    .insertInto('calendars')
    .values(calendars.map((c) => ({ task_id: c.taskId, event_count: c.events, byte_length: Buffer.byteLength(c.text), chunk_count: 1 })))
    .execute()
}

/** Remove what earlier attempts of these (retried) jobs stored. */
export async function deleteCalendars (trx: Transaction<Database>, taskIds: string[]): Promise<void> {
  if (taskIds.length > 0) await trx.deleteFrom('calendars').where('task_id', 'in', taskIds).execute()
}

export function calendarInfo (db: Queryable, taskId: string): Promise<CalendarInfo | undefined> {
  return db.selectFrom('calendars').selectAll().where('task_id', '=', taskId).executeTakeFirst()
}

/** The text of a calendar, one chunk (one small query) at a time. */
export async function * calendarChunks (db: Queryable, info: CalendarInfo): AsyncGenerator<string> {
  for (let seq = 0; seq < info.chunk_count; seq++) {
    const row = await db.selectFrom('calendar_chunks').select('data')
      .where('task_id', '=', info.task_id).where('seq', '=', seq).executeTakeFirst()
    if (!row) throw new Error(`calendar ${info.task_id} lost chunk ${seq}`)
    yield row.data
  }
}

/** Retention: calendars go when their jobs do (pg-boss deletes finished jobs after the same time). */
export async function deleteCalendarsOlderThan (db: Kysely<Database>, days: number): Promise<number> {
  const result = await db.deleteFrom('calendars')
    .where('created_at', '<', sql<string>`(now() at time zone 'utc') - make_interval(days => ${days})`)
    .executeTakeFirst()
  return Number(result.numDeletedRows)
}
