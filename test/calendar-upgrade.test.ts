// Upgrading a database whose calendars were stored by 0002's layout (a copy per task, chunks keyed
// by task id): 0007 moves them to shared bodies in place, collapses identical ones, and computes
// the same hash as the application, so a new request for the same calendar shares the old body.
import t from 'tap'
import { randomUUID } from 'node:crypto'
import { sql, type Kysely } from 'kysely'
import { buildCalendar } from '../src/calendar/ical.ts'
import { calendarChunks, calendarInfo, saveSmallCalendars } from '../src/calendar/store.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { migrateUpTo } from '../src/db/migrate.ts'
import { createLogger } from '../src/logger.ts'
import { installBossSchema } from '../src/queue/boss.ts'
import { migrateDatabase } from '../src/startup.ts'
import type { CalendarTodo } from '../src/todos/repository.ts'
import { createTestDatabase } from './helpers/database.ts'

const older = await createTestDatabase('calendar_upgrade', { empty: true })
t.teardown(() => older.drop())
const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), older.url)
const logger = createLogger('silent')
await installBossSchema(config, logger)
const db = createDatabase(createPool(config.database, 'upgrade-test'))
t.teardown(() => db.destroy())
await migrateUpTo(db, '0006_create_task_and_todo_events')

const prodId = '-//Taskoverflow Calendar//mxm.dk//'
const todos: CalendarTodo[] = Array.from({ length: 300 }, (_, i) => ({
  id: i + 1, title: `todo ${i + 1} 😀`, description: i % 2 ? null : 'two\nlines', completed: i % 3 === 0, deadline_at: '2026-02-27T09:30:00'
}))
const render = (input: CalendarTodo[], stamp: string) => buildCalendar(input, { prodId, stamp: new Date(stamp) })

/** A calendar as 0002's layout stored it, cut into pieces of `pieceChars`, made `ageHours` ago. */
async function storeOld (text: string, pieceChars: number, ageHours: number): Promise<string> {
  const id = randomUUID()
  const pieces: string[] = []
  for (let i = 0; i < text.length; i += pieceChars) pieces.push(text.slice(i, i + pieceChars))
  const old = db as unknown as Kysely<any>
  await old.transaction().execute(async (trx) => {
    for (const [seq, data] of pieces.entries()) await trx.insertInto('calendar_chunks').values({ task_id: id, seq, data }).execute()
    await trx.insertInto('calendars').values({
      task_id: id,
      event_count: 0,
      byte_length: Buffer.byteLength(text),
      chunk_count: pieces.length,
      created_at: sql`(now() at time zone 'utc') - make_interval(hours => ${ageHours})`
    }).execute()
  })
  return id
}

async function read (taskId: string): Promise<string> {
  let text = ''
  for await (const chunk of calendarChunks(db, (await calendarInfo(db, taskId))!)) text += chunk
  return text
}

const same1 = render(todos, '2026-11-20T10:00:00Z')
const same2 = render(todos, '2026-11-21T10:00:00Z') // the same todos, rendered a day later
const other = render(todos.slice(0, 10), '2026-11-20T10:00:00Z')
const first = await storeOld(same1, 20_000, 30)
const second = await storeOld(same2, 7_000, 20) // cut differently
const third = await storeOld(other, 1_000_000, 10)
const broken = randomUUID()
await sql`insert into calendars (task_id, event_count, byte_length, chunk_count) values (${broken}, 0, 10, 1)`.execute(db)

t.test('0007 moves calendars to shared bodies, identical ones collapsed, every download unchanged but the DTSTAMP', async (t) => {
  const applied = await migrateDatabase(config, logger)
  t.same(applied.slice(0, 1), ['0007_share_calendar_bodies'], '0007 runs first, then any later migration')
  const [a, b, c] = await Promise.all([first, second, third].map((id) => calendarInfo(db, id)))
  t.equal(b!.body_id, a!.body_id, 'the two renders of the same todos share a body')
  t.not(c!.body_id, a!.body_id)
  const pieces = Math.ceil(same1.length / 20_000)
  t.ok(pieces > 1 && pieces !== Math.ceil(same2.length / 7_000), `${pieces} pieces`)
  t.match(a, { chunk_count: pieces, byte_length: Buffer.byteLength(same1) }, 'the body of the earliest, as it was cut')
  t.match(c, { chunk_count: 1, byte_length: Buffer.byteLength(other) })
  t.equal(await read(first), same1, 'byte for byte')
  t.equal(await read(second), same1, 'the later task is served the earlier render')
  t.equal(await read(third), other)
  const { rows: [counts] } = await sql<{ bodies: number, chunks: number, tasks: number }>`
    select (select count(*)::int from calendar_bodies) as bodies, (select count(*)::int from calendar_body_chunks) as chunks,
           (select count(*)::int from calendars) as tasks`.execute(db)
  t.same(counts, { bodies: 2, chunks: pieces + 1, tasks: 3 }, 'the copy is gone, and the calendar without chunks (unreadable before too)')
  t.equal(await calendarInfo(db, broken), undefined)
  const { rows: [age] } = await sql<{ created: boolean }>`
    select (select created_at from calendar_bodies where id = ${a!.body_id}) = (select created_at from calendars where task_id = ${first}) as created`.execute(db)
  t.ok(age!.created, 'the body is as old as its earliest calendar')

  const again = randomUUID()
  await saveSmallCalendars(db, [{ taskId: again, text: render(todos.slice(0, 10), '2026-11-27T10:00:00Z'), events: 10 }])
  t.equal((await calendarInfo(db, again))!.body_id, c!.body_id, 'SQL and application compute the same hash: a new request shares the migrated body')
})
