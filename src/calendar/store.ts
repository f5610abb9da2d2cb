// Where finished calendars live: in our own tables, in the same database as the todos and the
// queue. The .ics text is gzipped on the way in and split into ~1 MiB chunks, so writing and
// reading back a calendar of any size holds one chunk at a time. Concatenated in seq order the
// chunks are one gzip stream: served as-is to clients that accept gzip, unzipped for the others.
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { constants, createGzip } from 'node:zlib'
import { sql, type Kysely, type Selectable, type Transaction } from 'kysely'
import type { CalendarsTable, Database, Queryable } from '../db/schema.ts'

export const CHUNK_BYTES = 1024 * 1024
// Level 1: calendar text is repetitive enough that the fastest level already shrinks it several
// times over, at a fraction of the CPU of the default level (see the Performance section).
const GZIP_LEVEL = constants.Z_BEST_SPEED

export type CalendarInfo = Selectable<CalendarsTable>

/**
 * Store the text of a calendar under its task id, replacing what an earlier attempt of the same
 * job stored. Run inside the transaction that read the todos, so a retried job never leaves a
 * half-written calendar behind.
 */
export async function saveCalendar (
  trx: Transaction<Database>,
  taskId: string,
  text: AsyncIterable<string>,
  eventCount: () => number,
  signal?: AbortSignal
): Promise<CalendarInfo> {
  await trx.deleteFrom('calendars').where('task_id', '=', taskId).execute()
  await trx.insertInto('calendars')
    .values({ task_id: taskId, event_count: 0, byte_length: 0, gzip_byte_length: 0, chunk_count: 0 })
    .execute()
  let byteLength = 0
  let gzipByteLength = 0
  let seq = 0
  await pipeline(
    Readable.from(text),
    async function * measure (source: AsyncIterable<string>) {
      for await (const piece of source) {
        byteLength += Buffer.byteLength(piece)
        yield piece
      }
    },
    createGzip({ level: GZIP_LEVEL }),
    async function * inChunks (source: AsyncIterable<Buffer>) {
      let parts: Buffer[] = []
      let size = 0
      for await (const part of source) {
        parts.push(part)
        size += part.length
        if (size >= CHUNK_BYTES) {
          yield Buffer.concat(parts, size)
          parts = []
          size = 0
        }
      }
      if (size > 0) yield Buffer.concat(parts, size)
    },
    async function store (chunks: AsyncIterable<Buffer>) {
      for await (const data of chunks) {
        await trx.insertInto('calendar_chunks').values({ task_id: taskId, seq: seq++, data }).execute()
        gzipByteLength += data.length
      }
    },
    { signal }
  )
  return trx.updateTable('calendars')
    .set({ event_count: eventCount(), byte_length: byteLength, gzip_byte_length: gzipByteLength, chunk_count: seq })
    .where('task_id', '=', taskId)
    .returningAll()
    .executeTakeFirstOrThrow()
}

export function calendarInfo (db: Queryable, taskId: string): Promise<CalendarInfo | undefined> {
  return db.selectFrom('calendars').selectAll().where('task_id', '=', taskId).executeTakeFirst()
}

/** The stored gzip stream of a calendar, one chunk (one small query) at a time. */
export async function * calendarChunks (db: Queryable, info: CalendarInfo): AsyncGenerator<Buffer> {
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
