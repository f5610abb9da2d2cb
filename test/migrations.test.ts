// Migrations: numbered, forward-only, safe when several processes start at once, and the
// settled-job trigger attached once, whatever an older release left behind.
import { readdir, readFile } from 'node:fs/promises'
import t from 'tap'
import pg from 'pg'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createLogger } from '../src/logger.ts'
import { ICAL_QUEUE, ICAL_SETTLED_CHANNEL, calendarQueues } from '../src/calendar/queue.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { migrateUpTo } from '../src/db/migrate.ts'
import { installBossSchema, startBoss } from '../src/queue/boss.ts'
import { migrateDatabase } from '../src/startup.ts'
import { createTestDatabase } from './helpers/database.ts'
import { runEntryPoint } from './helpers/process.ts'

const migrationsDir = new URL('../db/migrations/', import.meta.url)
const migrationNames = async () => (await readdir(migrationsDir)).map((f) => f.replace(/\.ts$/, '')).sort()

async function query<T> (url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, values)).rows as T[]
  } finally {
    await client.end()
  }
}

t.test('four `npm run migrate` processes at once on an empty database: each migration applied once, all exit 0', async (t) => {
  const empty = await createTestDatabase('migrate_race', { empty: true })
  t.teardown(() => empty.drop())
  const runs = Array.from({ length: 4 }, () => runEntryPoint(t, 'src/migrate.ts', { DATABASE_URL: empty.url }))
  for (const run of runs) t.same(await run.exited, { code: 0, signal: null }, 'exits 0')
  const files = await migrationNames()
  const applied = runs.flatMap((run) => {
    const line = run.output().split('\n').find((l) => l.includes('"applied"'))
    return line ? (JSON.parse(line) as { applied: string[] }).applied : []
  })
  t.same(applied.sort(), files, 'each migration applied by exactly one process')
  const rows = await query<{ name: string }>(empty.url, 'select name from kysely_migration order by name')
  t.same(rows.map((r) => r.name), files)
  const again = runEntryPoint(t, 'src/migrate.ts', { DATABASE_URL: empty.url })
  t.same(await again.exited, { code: 0, signal: null })
  t.match(again.output(), /database schema up to date/)
})

t.test('migration files are numbered and never import application code', async (t) => {
  for (const file of await readdir(migrationsDir)) {
    t.match(file, /^\d{4}_[a-z0-9_]+\.ts$/)
    const text = await readFile(new URL(file, migrationsDir), 'utf8')
    t.notMatch(text, /from '\.\.\/\.\.\/src|from '.*\/src\//, `${file} imports nothing from src/`)
  }
})

// The trigger releases before 0004 attached at start-up, by hand-kept version.
const V1_TRIGGER = `
  create trigger taskoverflow_ical_settled_v1
    after insert or update of state on pgboss.job for each row
    when (new.name = 'ical' and new.state in ('completed', 'failed', 'cancelled'))
    execute function taskoverflow_notify_job_settled()`

t.test('a database that an older release gave the v1 trigger ends with one trigger: one notification per settled job', async (t) => {
  const older = await createTestDatabase('trigger_upgrade', { empty: true })
  t.teardown(() => older.drop())
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), older.url)
  const logger = createLogger('silent')
  // As the older release left it: pg-boss's schema, our migrations up to 0003, the v1 trigger.
  await installBossSchema(config, logger)
  const db = createDatabase(createPool(config.database, 'upgrade-test'))
  await migrateUpTo(db, '0003_notify_job_settled')
  await db.destroy()
  await query(older.url, V1_TRIGGER)

  const applied = await migrateDatabase(config, logger)
  t.equal(applied[0], '0004_job_settled_trigger', 'the upgrade applies 0004 first')
  t.same(applied, (await migrationNames()).filter((name) => name >= '0004'), 'then the later ones')
  const triggers = await query<{ tgname: string }>(older.url,
    "select tgname from pg_trigger where tgrelid = 'pgboss.job'::regclass and tgfoid = 'taskoverflow_notify_job_settled'::regproc")
  t.same(triggers.map((r) => r.tgname), ['taskoverflow_ical_settled'], 'exactly one trigger calls the function')

  const listener = new pg.Client({ connectionString: older.url })
  await listener.connect()
  t.teardown(() => listener.end())
  const heard: string[] = []
  listener.on('notification', (n) => { if (n.payload) heard.push(n.payload) })
  await listener.query(`listen ${ICAL_SETTLED_CHANNEL}`)
  const boss = await startBoss(config, logger, 'test', calendarQueues(config))
  t.teardown(() => boss.stop({ graceful: false }))
  const id = (await boss.send(ICAL_QUEUE, { filters: {} }))!
  await boss.cancel(ICAL_QUEUE, id)
  // A marker sent after the cancel committed: once it arrives, every notification of the cancel has.
  await query(older.url, `select pg_notify('${ICAL_SETTLED_CHANNEL}', 'marker')`)
  await new Promise<void>((resolve) => {
    const check = () => { if (heard.includes('marker')) resolve(); else listener.once('notification', check) }
    check()
  })
  t.same(heard.filter((p) => p === id), [id], 'the settled job was announced once')
})
