// Where finished calendars live: in our own tables, in the same database as the todos and the
// queue. A calendar's text (its body) is stored once per content: the body is keyed by a hash of
// its text (body-hash.ts), and a task only points at a body, so a thousand identical requests
// store one body and a thousand small rows. A body is split into chunks of about 1 MiB, so
// writing and reading back a calendar of any size holds one chunk at a time; Postgres compresses
// them (TOAST; lz4 where the server has it, migration 0011). A body goes when no task points at
// it any more (deleteUnusedBodies).
//
// Concurrent writers of the same content: whoever stores a body first holds a transaction
// advisory lock on its hash until commit, and the next one looks for the body only after taking
// that lock. In READ COMMITTED (small calendars) it then sees the body and shares it. A large
// calendar is written in a REPEATABLE READ snapshot taken before it was rendered, which cannot
// see a body committed since: two identical large calendars finished at the same moment are both
// kept (at most one per concurrent worker slot), and later ones share the first.
import { sql, type CompiledQuery, type Kysely, type RawBuilder, type Transaction } from 'kysely'
import type { Database, Queryable } from '../db/schema.ts'
import { calendarHasher, calendarHash } from './body-hash.ts'

export const CHUNK_BYTES = 1024 * 1024

/** A task's calendar: the body it points at and that body's size. */
export interface CalendarInfo {
  task_id: string
  body_id: number
  event_count: number
  byte_length: number
  chunk_count: number
  created_at: string
}

// The two-key form of Postgres advisory locks, in a key space of our own (pg-boss uses the one-key form).
const BODY_LOCK_SPACE = 0x74617362
const lockKey = (sha256: Buffer) => sha256.readInt32BE(0)

/** Wait until no other transaction is storing a body with one of these hashes (held until commit). */
async function lockHashes (trx: Transaction<Database>, hashes: Buffer[]): Promise<void> {
  // In one order, so two batches with overlapping hashes never deadlock.
  const keys = [...new Set(hashes.map(lockKey))].sort((a, b) => a - b)
  await sql`select pg_advisory_xact_lock(${BODY_LOCK_SPACE}::int, key) from unnest(${keys}::int[]) as key order by key`.execute(trx)
}

/** The stored bodies with these hashes that this transaction can see, the oldest of each. */
async function findBodies (trx: Transaction<Database>, hashes: Buffer[]): Promise<Map<string, number>> {
  const rows = await trx.selectFrom('calendar_bodies').select(['id', 'sha256'])
    .where('sha256', 'in', hashes).orderBy('id', 'desc').execute()
  return new Map(rows.map((row) => [row.sha256.toString('hex'), row.id]))
}

/**
 * Store the text of a calendar for a task, inside the caller's transaction: the chunks as they
 * fill up, then the body row, or, when an identical body is already stored, nothing but the task's
 * row pointing at it (the chunks written meanwhile are dropped again).
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
  if (replace) await deleteCalendars(trx, [taskId])
  const hasher = calendarHasher()
  let bodyId: number | undefined // taken when the first full chunk is written
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
      bodyId ??= await nextBodyId(trx)
      writing = trx.insertInto('calendar_body_chunks').values({ body_id: bodyId, seq: seq++, data: chunk }).execute()
      writing.catch(() => {}) // (awaited before the next write; this only keeps an early exit from leaving it unhandled)
      chunk = ''
      chunkLength = 0
    }
    hasher.update(piece)
    const bytes = Buffer.byteLength(piece)
    chunk += piece
    chunkLength += bytes
    byteLength += bytes
  }
  await writing
  signal?.throwIfAborted()
  const sha256 = hasher.digest()
  await lockHashes(trx, [sha256])
  const shared = (await findBodies(trx, [sha256])).get(sha256.toString('hex'))
  if (shared !== undefined) {
    if (bodyId !== undefined) await trx.deleteFrom('calendar_body_chunks').where('body_id', '=', bodyId).execute()
    await trx.insertInto('calendars').values({ task_id: taskId, body_id: shared }).execute()
  } else {
    bodyId ??= await nextBodyId(trx)
    await trx
      .with('last_chunk', (db) => db.insertInto('calendar_body_chunks').values({ body_id: bodyId!, seq, data: chunk }))
      .with('body', (db) => db.insertInto('calendar_bodies')
        .values({ id: bodyId!, sha256, event_count: eventCount(), byte_length: byteLength, chunk_count: seq + 1 }))
      .insertInto('calendars')
      .values({ task_id: taskId, body_id: bodyId })
      .execute()
  }
  const info = await calendarInfo(trx, taskId)
  if (!info) throw new Error(`calendar of task ${taskId} not found right after storing it`)
  return info
}

async function nextBodyId (trx: Transaction<Database>): Promise<number> {
  const { rows } = await sql<{ id: number }>`select nextval(pg_get_serial_sequence('calendar_bodies', 'id')) as id`.execute(trx)
  return rows[0]!.id
}

/**
 * Calendars that fit one chunk, a whole batch of small jobs at once: one body per distinct text
 * (shared with those already stored), one row per task. In the caller's transaction, or its own.
 * Answers the time they were stored: the transaction's now(), which their created_at hold.
 */
export async function saveSmallCalendars (db: Queryable, calendars: Array<{ taskId: string, text: string, events: number }>): Promise<Date> {
  // One body per distinct hash; the texts of a batch's groups are often the very same string.
  const hashOfText = new Map<string, string>()
  const bodies = new Map<string, { sha256: Buffer, text: string, events: number }>()
  for (const { text, events } of calendars) {
    if (hashOfText.has(text)) continue
    const sha256 = calendarHash(text)
    const hex = sha256.toString('hex')
    hashOfText.set(text, hex)
    if (!bodies.has(hex)) bodies.set(hex, { sha256, text, events })
  }
  const tasks = calendars.map((c) => ({ taskId: c.taskId, hex: hashOfText.get(c.text)! }))
  // The common case when one calendar is asked for again and again: every body is stored already,
  // and one statement, with no lock, points the tasks at them.
  const storedAt = await pointAtStoredBodies(db, tasks)
  if (storedAt) return storedAt
  if (db.isTransaction) return storeBodies(db as Transaction<Database>, bodies, tasks)
  return (db as Kysely<Database>).transaction().execute((trx) => storeBodies(trx, bodies, tasks))
}

/**
 * Point every task at the stored body with its hash, if each has one, all or none: the time
 * (now()) when they were, else undefined. A body deleted by the cleanup meanwhile fails the
 * statement (the reference is checked), and the batch's jobs are retried.
 */
async function pointAtStoredBodies (db: Queryable, tasks: Array<{ taskId: string, hex: string }>): Promise<Date | undefined> {
  const { rows } = await sql<{ task_id: string, stored_at: Date }>`
    with found as (
      select t.task_id, b.id
      from unnest(${tasks.map((t) => t.taskId)}::uuid[], ${tasks.map((t) => t.hex)}::text[]) as t(task_id, hex)
      join lateral (select id from calendar_bodies where sha256 = decode(t.hex, 'hex') order by id limit 1) b on true
    )
    insert into calendars (task_id, body_id)
    select task_id, id from found where (select count(*) from found) = ${tasks.length}
    returning task_id, now() as stored_at`.execute(db)
  return rows.length === tasks.length ? rows[0]?.stored_at : undefined
}

async function storeBodies (
  trx: Transaction<Database>,
  bodies: Map<string, { sha256: Buffer, text: string, events: number }>,
  tasks: Array<{ taskId: string, hex: string }>
): Promise<Date> {
  const hashes = [...bodies.values()].map((b) => b.sha256)
  await lockHashes(trx, hashes)
  const stored = await findBodies(trx, hashes)
  const missing = [...bodies].filter(([hex]) => !stored.has(hex)).map(([, body]) => body)
  if (missing.length > 0) {
    const created = await trx.insertInto('calendar_bodies')
      .values(missing.map((b) => ({ sha256: b.sha256, event_count: b.events, byte_length: Buffer.byteLength(b.text), chunk_count: 1 })))
      .returning(['id', 'sha256']).execute()
    for (const row of created) stored.set(row.sha256.toString('hex'), row.id)
  }
  const rows = tasks.map((t) => ({ task_id: t.taskId, body_id: stored.get(t.hex)! }))
  const storedAt = sql<Date>`now()`.as('stored_at')
  if (missing.length === 0) {
    return (await trx.insertInto('calendars').values(rows).returning(storedAt).executeTakeFirstOrThrow()).stored_at
  }
  const inserted = await trx
    .with('chunks', (db) => db.insertInto('calendar_body_chunks')
      .values(missing.map((b) => ({ body_id: stored.get(b.sha256.toString('hex'))!, seq: 0, data: b.text }))))
    .insertInto('calendars').values(rows).returning(storedAt).executeTakeFirstOrThrow()
  return inserted.stored_at
}

/**
 * One small calendar stored for a task, as statements that need no answer from each other, to be
 * sent in one round trip inside the caller's transaction (src/db/one-trip.ts): take the lock on its
 * hash if no body has it yet, then, in one statement (whose snapshot is taken after the lock, so it
 * sees a body stored by the holder before), store the body unless one with that hash is there, and
 * point the task at the body. `taskId` may be an expression that is null when the task must not
 * be stored: the insert then fails, and the transaction with it. The last statement answers the
 * transaction's now(), as `stored_at`.
 */
export function smallCalendarStatements (
  db: Kysely<Database>,
  calendar: { text: string, events: number },
  taskId: RawBuilder<string>,
  { replace = false } = {}
): CompiledQuery[] {
  const sha256 = calendarHash(calendar.text)
  const statements: CompiledQuery[] = []
  // A retried job replaces what an earlier attempt stored.
  if (replace) statements.push(sql`delete from calendars where task_id = ${taskId}`.compile(db))
  // The lock only when no body with this hash is there yet (who stores one holds it until commit):
  // pointing at a stored body takes none, as saveSmallCalendars does, so identical calendars
  // never wait on each other's commits.
  statements.push(sql`
    select pg_advisory_xact_lock(${BODY_LOCK_SPACE}::int, ${lockKey(sha256)}::int)
    where not exists (select from calendar_bodies where sha256 = ${sha256})`.compile(db))
  statements.push(sql`
    with found as (
      select id from calendar_bodies where sha256 = ${sha256} order by id limit 1
    ), created as (
      insert into calendar_bodies (sha256, event_count, byte_length, chunk_count)
      select ${sha256}, ${calendar.events}, ${Buffer.byteLength(calendar.text)}, 1 where not exists (select from found)
      returning id
    ), chunk as (
      insert into calendar_body_chunks (body_id, seq, data) select id, 0, ${calendar.text} from created
    )
    insert into calendars (task_id, body_id)
    values (${taskId}, coalesce((select id from found), (select id from created)))
    returning now() as stored_at`.compile(db))
  return statements
}

/** Remove what earlier attempts of these (retried) jobs stored; a body no task uses any more goes at the next cleanup. */
export async function deleteCalendars (trx: Transaction<Database>, taskIds: string[]): Promise<void> {
  if (taskIds.length > 0) await trx.deleteFrom('calendars').where('task_id', 'in', taskIds).execute()
}

export function calendarInfo (db: Queryable, taskId: string): Promise<CalendarInfo | undefined> {
  return db.selectFrom('calendars as c').innerJoin('calendar_bodies as b', 'b.id', 'c.body_id')
    .select(['c.task_id', 'c.body_id', 'b.event_count', 'b.byte_length', 'b.chunk_count', 'c.created_at'])
    .where('c.task_id', '=', taskId).executeTakeFirst()
}

/** The text of a calendar, one chunk (one small query) at a time. */
export async function * calendarChunks (db: Queryable, info: CalendarInfo): AsyncGenerator<string> {
  for (let seq = 0; seq < info.chunk_count; seq++) {
    const row = await db.selectFrom('calendar_body_chunks').select('data')
      .where('body_id', '=', info.body_id).where('seq', '=', seq).executeTakeFirst()
    if (!row) throw new Error(`calendar ${info.task_id} lost chunk ${seq}`)
    yield row.data
  }
}

/**
 * Retention: calendars go when their jobs do (pg-boss deletes finished jobs after the same time),
 * then the bodies no task points at any more. Answers how many tasks' calendars went.
 */
export async function deleteCalendarsOlderThan (db: Kysely<Database>, days: number): Promise<number> {
  const result = await db.deleteFrom('calendars')
    .where('created_at', '<', sql<string>`(now() at time zone 'utc') - make_interval(days => ${days})`)
    .executeTakeFirst()
  await deleteUnusedBodies(db)
  return Number(result.numDeletedRows)
}

const UNUSED_BATCH = 500

/**
 * Delete the bodies no task points at, a batch at a time. A body whose hash a job has locked (it
 * is storing that content now) is skipped; a job that shares a body after our locks were taken
 * is seen by the delete, which reads after them, and the body is kept.
 */
export async function deleteUnusedBodies (db: Kysely<Database>): Promise<number> {
  let deleted = 0
  for (;;) {
    const batch = db.transaction().execute(async (trx) => {
      const unused = await trx.selectFrom('calendar_bodies as b').select(['b.id', 'b.sha256'])
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('calendars as c').select('c.task_id').whereRef('c.body_id', '=', 'b.id'))))
        .orderBy('b.id').limit(UNUSED_BATCH).execute()
      if (unused.length === 0) return { found: 0, gone: 0 }
      const { rows: locked } = await sql<{ id: number }>`
        select id from unnest(${unused.map((b) => b.id)}::bigint[], ${unused.map((b) => lockKey(b.sha256))}::int[]) as u(id, key)
        where pg_try_advisory_xact_lock(${BODY_LOCK_SPACE}::int, key)`.execute(trx)
      if (locked.length === 0) return { found: unused.length, gone: 0 }
      const result = await trx.deleteFrom('calendar_bodies as b')
        .where('b.id', 'in', locked.map((r) => r.id))
        .where(({ not, exists, selectFrom }) => not(exists(selectFrom('calendars as c').select('c.task_id').whereRef('c.body_id', '=', 'b.id'))))
        .executeTakeFirst()
      return { found: unused.length, gone: Number(result.numDeletedRows) }
    })
    // A job that found the body before the delete and points a task at it after our locks (it
    // takes none when the body is stored already): the reference wins, the batch is rolled back,
    // and this pass ends; the rest waits for the next run.
    const { found, gone } = await batch.catch((error: unknown) => {
      if ((error as { code?: string }).code === '23503') return { found: 0, gone: 0 }
      throw error
    })
    deleted += gone
    if (found < UNUSED_BATCH || gone === 0) return deleted
  }
}
