// The calendar store: text in chunks, written inside the job's transaction, read back a chunk at
// a time, byte for byte; identical calendars stored once and shared by their tasks.
import t from 'tap'
import { sql } from 'kysely'
import { randomUUID } from 'node:crypto'
import { buildCalendar, renderCalendar } from '../src/calendar/ical.ts'
import { calendarHash, calendarHasher } from '../src/calendar/body-hash.ts'
import { calendarChunks, calendarInfo, deleteCalendarsOlderThan, saveCalendar, saveSmallCalendars, smallCalendarStatements } from '../src/calendar/store.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { oneTripTransactions } from '../src/db/one-trip.ts'
import type { CalendarTodo } from '../src/todos/repository.ts'
import { createTestDatabase } from './helpers/database.ts'
import { waitFor } from './helpers/wait.ts'

const database = await createTestDatabase()
const pool = createPool({ url: database.url, poolMax: 4, ssl: { mode: 'off', caFile: undefined }, migrateOnStart: true }, 'store-test')
const db = createDatabase(pool)
const oneTrip = oneTripTransactions(pool)
t.teardown(async () => {
  await db.destroy()
  await database.drop()
})

const options = { prodId: '-//Taskoverflow Calendar//mxm.dk//', stamp: new Date('2026-11-25T10:00:00Z') }
const todos: CalendarTodo[] = Array.from({ length: 2000 }, (_, i) => ({
  id: i + 1, title: `todo ${i + 1}, 😀; naïve`, description: i % 2 ? null : 'two\nlines', completed: i % 3 === 0, deadline_at: '2023-02-27T00:00:00'
}))

async function save (taskId: string, input: CalendarTodo[], chunkBytes?: number, replace = false, stamp = options.stamp) {
  return db.transaction().execute((trx) =>
    saveCalendar(trx, taskId, renderCalendar([input], { ...options, stamp }), () => input.length, { ...(chunkBytes ? { chunkBytes } : {}), replace }))
}

async function count (query: ReturnType<typeof sql<{ n: number }>>): Promise<number> {
  return (await query.execute(db)).rows[0]!.n
}
/** The chunks of the body a task points at. */
const chunksOf = (taskId: string) => count(sql`select count(*)::int as n from calendar_body_chunks k join calendars c on c.body_id = k.body_id where c.task_id = ${taskId}`)
const allChunks = () => count(sql`select count(*)::int as n from calendar_body_chunks`)
const bodiesWithHash = (text: string) => count(sql`select count(*)::int as n from calendar_bodies where sha256 = ${calendarHash(text)}`)

async function read (taskId: string): Promise<string> {
  const info = await calendarInfo(db, taskId)
  let text = ''
  for await (const chunk of calendarChunks(db, info!)) text += chunk
  return text
}

t.test('a small calendar is one chunk and reads back exactly', async (t) => {
  const id = randomUUID()
  const info = await save(id, todos.slice(0, 3))
  const expected = buildCalendar(todos.slice(0, 3), options)
  t.match(info, { task_id: id, event_count: 3, chunk_count: 1, byte_length: Buffer.byteLength(expected) })
  t.equal(await read(id), expected)
})

t.test('a large calendar is split into chunks and reads back byte for byte', async (t) => {
  const id = randomUUID()
  const info = await save(id, todos, 16 * 1024)
  const expected = buildCalendar(todos, options)
  t.ok(info.chunk_count > 3, `${info.chunk_count} chunks`)
  t.equal(info.byte_length, Buffer.byteLength(expected), 'byte length counts UTF-8 bytes, emoji included')
  t.equal(await read(id), expected)
  t.equal(await chunksOf(id), info.chunk_count)
})

t.test('a retried job replaces what an earlier attempt stored', async (t) => {
  const id = randomUUID()
  await save(id, todos, 16 * 1024)
  const info = await save(id, todos.slice(0, 1), undefined, true)
  t.equal(info.chunk_count, 1)
  t.equal(await read(id), buildCalendar(todos.slice(0, 1), options))
  t.equal(await chunksOf(id), 1, 'the task points at the new body only')
  t.equal(await count(sql`select count(*)::int as n from calendars where task_id = ${id}`), 1)
})

t.test('nothing is stored when the transaction fails', async (t) => {
  const id = randomUUID()
  const before = await allChunks()
  const unique = todos.map((todo) => ({ ...todo, title: `${todo.title} (rolled back)` }))
  await t.rejects(db.transaction().execute(async (trx) => {
    await saveCalendar(trx, id, renderCalendar([unique], options), () => 0, { chunkBytes: 16 * 1024, replace: false })
    throw new Error('the job failed after writing')
  }))
  t.equal(await calendarInfo(db, id), undefined)
  t.equal(await allChunks(), before, 'no chunk left behind')
})

t.test('retention deletes old calendars, and a body with them once no task points at it', async (t) => {
  const own = todos.map((todo) => ({ ...todo, title: `${todo.title} (retention)` }))
  const old = randomUUID()
  const recent = randomUUID()
  const info = await save(old, own, 16 * 1024)
  t.equal((await save(recent, own, 16 * 1024)).body_id, info.body_id, 'the two tasks share a body')
  await sql`update calendars set created_at = created_at - interval '8 days' where task_id = ${old}`.execute(db)
  t.ok(await deleteCalendarsOlderThan(db, 7) >= 1)
  t.equal(await calendarInfo(db, old), undefined, 'the expired task has no calendar')
  t.equal(await read(recent), buildCalendar(own, options), 'the body stays for the task still pointing at it')

  await sql`update calendars set created_at = created_at - interval '8 days' where task_id = ${recent}`.execute(db)
  t.ok(await deleteCalendarsOlderThan(db, 7) >= 1)
  t.equal(await calendarInfo(db, recent), undefined)
  t.equal(await count(sql`select count(*)::int as n from calendar_bodies where id = ${info.body_id}`), 0, 'the body is gone with its last task')
  t.equal(await count(sql`select count(*)::int as n from calendar_body_chunks where body_id = ${info.body_id}`), 0, 'and its chunks')
})

t.test('identical calendars are stored once: renders differing only in DTSTAMP share one body', async (t) => {
  const own = todos.map((todo) => ({ ...todo, title: `${todo.title} (shared)` }))
  const first = randomUUID()
  const second = randomUUID()
  const chunksBefore = await allChunks()
  const a = await save(first, own, 16 * 1024)
  const b = await save(second, own, 16 * 1024, false, new Date('2026-11-26T11:00:00Z'))
  t.equal(b.body_id, a.body_id, 'the second task points at the first body')
  t.same({ events: b.event_count, bytes: b.byte_length, chunks: b.chunk_count }, { events: a.event_count, bytes: a.byte_length, chunks: a.chunk_count })
  t.equal(await bodiesWithHash(buildCalendar(own, options)), 1, 'one body row')
  t.equal(await allChunks() - chunksBefore, a.chunk_count, 'the chunks of one copy: those the second wrote were dropped')
  t.equal(await read(second), buildCalendar(own, options), 'both read the stored text, byte for byte')
  t.equal(await read(first), await read(second))

  const other = randomUUID()
  const changed = own.map((todo, i) => (i === 5 ? { ...todo, title: 'changed' } : todo))
  const c = await save(other, changed, 16 * 1024)
  t.not(c.body_id, a.body_id, 'different todos: a body of its own')
  t.equal(await read(other), buildCalendar(changed, options))
})

t.test('small calendars of a batch share bodies with each other and with those stored before', async (t) => {
  const own = todos.slice(0, 3).map((todo) => ({ ...todo, title: `${todo.title} (small)` }))
  const text = buildCalendar(own, options)
  const later = buildCalendar(own, { ...options, stamp: new Date('2026-11-27T09:00:00Z') })
  const other = buildCalendar(own.slice(0, 2), options)
  const ids = [randomUUID(), randomUUID(), randomUUID()]
  await saveSmallCalendars(db, [{ taskId: ids[0]!, text, events: 3 }, { taskId: ids[1]!, text, events: 3 }, { taskId: ids[2]!, text: other, events: 2 }])
  t.equal(await bodiesWithHash(text), 1, 'one body for the two identical calendars')
  t.equal(await bodiesWithHash(other), 1)
  const [a, b, c] = await Promise.all(ids.map((id) => calendarInfo(db, id)))
  t.equal(a!.body_id, b!.body_id)
  t.not(c!.body_id, a!.body_id)

  const next = randomUUID()
  await saveSmallCalendars(db, [{ taskId: next, text: later, events: 3 }])
  t.equal((await calendarInfo(db, next))!.body_id, a!.body_id, 'a later render of the same todos shares it too')
  t.equal(await read(next), text, 'and is served the stored text')

  const streamed = randomUUID()
  t.equal((await save(streamed, own)).body_id, a!.body_id, 'a streamed calendar with the same content shares it as well')
})

/** A batch storing this calendar, stopped before its commit (it holds the lock on the hash) until `commit` is called. */
async function batchStoringUncommitted (text: string): Promise<{ commit: () => Promise<void> }> {
  let release!: () => void
  const released = new Promise<void>((resolve) => { release = resolve })
  let firstStored!: () => void
  const stored = new Promise<void>((resolve) => { firstStored = resolve })
  const first = db.transaction().execute(async (trx) => {
    await saveSmallCalendars(trx, [{ taskId: randomUUID(), text, events: 4 }])
    firstStored()
    await released // not committed yet
  })
  await stored
  return { commit: () => { release(); return first } }
}

/** Transactions waiting for the lock on a body's hash. */
const hashLockWaits = () => count(sql`select count(*)::int as n from pg_locks
  where locktype = 'advisory' and objsubid = 2 and classid = ${0x74617362}::int::oid and not granted
    and database = (select oid from pg_database where datname = current_database())`)

t.test('two transactions storing the same calendar at once: the second waits for the first and shares its body', async (t) => {
  const own = todos.slice(0, 4).map((todo) => ({ ...todo, title: `${todo.title} (concurrent)` }))
  const text = buildCalendar(own, options)
  const first = await batchStoringUncommitted(text)
  const secondId = randomUUID()
  const second = saveSmallCalendars(db, [{ taskId: secondId, text, events: 4 }])
  try {
    await waitFor(async () => await hashLockWaits() > 0, 'the second waits for the lock on the hash')
  } finally {
    await first.commit()
    await second
  }
  t.equal(await bodiesWithHash(text), 1, 'stored once')
  t.equal(await read(secondId), text)
})

/** A calendar stored for a task in one round trip, as a job stored on its own does (job.ts). */
const storeInOneTrip = (taskId: string, text: string) => oneTrip(async (send) =>
  smallCalendarStatements(db, { text, events: 4 }, sql<string>`${taskId}::uuid`).map((s) => send(s.sql, s.parameters)))

t.test('a calendar stored in one round trip while a batch stores the same: it waits for the batch and shares its body', async (t) => {
  const own = todos.slice(0, 4).map((todo) => ({ ...todo, title: `${todo.title} (one trip)` }))
  const text = buildCalendar(own, options)
  const first = await batchStoringUncommitted(text)
  const secondId = randomUUID()
  const second = storeInOneTrip(secondId, text)
  try {
    await waitFor(async () => await hashLockWaits() > 0, 'the one trip waits for the lock on the hash')
  } finally {
    await first.commit()
  }
  t.ok((await second).committed)
  t.equal(await bodiesWithHash(text), 1, 'stored once')
  t.equal(await read(secondId), text)
})

t.test('a calendar stored in one round trip over a body already stored takes no lock', async (t) => {
  const text = buildCalendar(todos.slice(0, 4).map((todo) => ({ ...todo, title: `${todo.title} (stored)` })), options)
  t.ok((await storeInOneTrip(randomUUID(), text)).committed)
  // Someone holds the hash's lock (as a store of a new body would) for as long as this test runs.
  const holder = await pool.connect()
  t.teardown(() => { holder.release() })
  await holder.query('begin')
  await holder.query('select pg_advisory_xact_lock($1::int, $2::int)', [0x74617362, calendarHash(text).readInt32BE(0)])
  const id = randomUUID()
  let stored = false
  let waited = false
  const storing = storeInOneTrip(id, text).finally(() => { stored = true })
  await waitFor(async () => stored || (waited = await hashLockWaits() > 0), 'stored, or waiting for the lock')
  t.notOk(waited, 'stored while the lock is held: it took none')
  await holder.query('rollback') // (if it did wait, it is let through)
  t.ok((await storing).committed)
  t.equal(await bodiesWithHash(text), 1)
  t.equal(await read(id), text)
})

t.test('the hash leaves out DTSTAMP values only, wherever the text is cut', async (t) => {
  const text = buildCalendar(todos.slice(0, 50), options)
  t.same(calendarHash(buildCalendar(todos.slice(0, 50), { ...options, stamp: new Date() })), calendarHash(text))
  t.notSame(calendarHash(buildCalendar(todos.slice(0, 49), options)), calendarHash(text))
  const summary = (title: string) => calendarHash(buildCalendar([{ ...todos[0]!, title }], options))
  t.notSame(summary('DTSTAMP:20260101T000000Z'), summary('DTSTAMP:20270101T000000Z'), 'a title that looks like a stamp still counts')
  for (const size of [1, 7, 100, 4096]) {
    const hasher = calendarHasher()
    for (let i = 0; i < text.length; i += size) hasher.update(text.slice(i, i + size))
    t.same(hasher.digest(), calendarHash(text), `in pieces of ${size}`)
  }
})

t.test('chunks are compressed with lz4 where the server has it (migration 0011), and read back either way', async (t) => {
  const lz4 = await sql`create temp table lz4_probe (v text compression lz4)`.execute(db).then(() => true, () => false)
  const { rows } = await sql<{ method: string }>`
    select attcompression::text as method from pg_attribute where attrelid = 'calendar_body_chunks'::regclass and attname = 'data'`.execute(db)
  t.equal(rows[0]!.method, lz4 ? 'l' : '', lz4 ? 'lz4 on a server built with it' : 'the default (pglz) on a server without lz4')
  const taskId = randomUUID()
  await save(taskId, todos, 64 * 1024)
  const info = await calendarInfo(db, taskId)
  const { rows: methods } = await sql<{ method: string | null }>`
    select distinct pg_column_compression(data) as method from calendar_body_chunks where body_id = ${info!.body_id}`.execute(db)
  t.same(methods.map((m) => m.method), [lz4 ? 'lz4' : 'pglz'], 'the chunks just written')
  let text = ''
  for await (const chunk of calendarChunks(db, info!)) text += chunk
  t.equal(text.length > 0 && text.startsWith('BEGIN:VCALENDAR'), true)
})
