// The calendar store: text in chunks, written inside the job's transaction, read back a chunk at
// a time, byte for byte.
import t from 'tap'
import { sql } from 'kysely'
import { randomUUID } from 'node:crypto'
import { buildCalendar, renderCalendar } from '../src/calendar/ical.ts'
import { calendarChunks, calendarInfo, deleteCalendarsOlderThan, saveCalendar } from '../src/calendar/store.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import type { CalendarTodo } from '../src/todos/repository.ts'
import { createTestDatabase } from './helpers/database.ts'

const database = await createTestDatabase()
const db = createDatabase(createPool({ url: database.url, poolMax: 4, ssl: { mode: 'off', caFile: undefined }, migrateOnStart: true }, 'store-test'))
t.teardown(async () => {
  await db.destroy()
  await database.drop()
})

const options = { prodId: '-//Taskoverflow Calendar//mxm.dk//', stamp: new Date('2026-11-25T10:00:00Z') }
const todos: CalendarTodo[] = Array.from({ length: 2000 }, (_, i) => ({
  id: i + 1, title: `todo ${i + 1}, 😀; naïve`, description: i % 2 ? null : 'two\nlines', completed: i % 3 === 0, deadline_at: '2023-02-27T00:00:00'
}))

async function save (taskId: string, input: CalendarTodo[], chunkBytes?: number, replace = false) {
  return db.transaction().execute((trx) =>
    saveCalendar(trx, taskId, renderCalendar([input], options), () => input.length, { ...(chunkBytes ? { chunkBytes } : {}), replace }))
}

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
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendar_chunks where task_id = ${id}`.execute(db)
  t.equal(rows[0]!.n, info.chunk_count)
})

t.test('a retried job replaces what an earlier attempt stored', async (t) => {
  const id = randomUUID()
  await save(id, todos, 16 * 1024)
  const info = await save(id, todos.slice(0, 1), undefined, true)
  t.equal(info.chunk_count, 1)
  t.equal(await read(id), buildCalendar(todos.slice(0, 1), options))
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendar_chunks where task_id = ${id}`.execute(db)
  t.equal(rows[0]!.n, 1, 'no chunk of the earlier attempt is left')
})

t.test('nothing is stored when the transaction fails', async (t) => {
  const id = randomUUID()
  await t.rejects(db.transaction().execute(async (trx) => {
    await saveCalendar(trx, id, renderCalendar([todos], options), () => 0, { chunkBytes: 16 * 1024, replace: false })
    throw new Error('the job failed after writing')
  }))
  t.equal(await calendarInfo(db, id), undefined)
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendar_chunks where task_id = ${id}`.execute(db)
  t.equal(rows[0]!.n, 0)
})

t.test('retention deletes old calendars with their chunks', async (t) => {
  const id = randomUUID()
  await save(id, todos, 16 * 1024)
  await sql`update calendars set created_at = created_at - interval '8 days' where task_id = ${id}`.execute(db)
  t.ok(await deleteCalendarsOlderThan(db, 7) >= 1)
  t.equal(await calendarInfo(db, id), undefined)
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendar_chunks where task_id = ${id}`.execute(db)
  t.equal(rows[0]!.n, 0)
})
