// Migrations: numbered, forward-only, and safe when several processes start at once.
import t from 'tap'
import { sql } from 'kysely'
import { readdir } from 'node:fs/promises'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { migrateToLatest } from '../src/db/migrate.ts'
import { createTestDatabase } from './helpers/database.ts'
import { runEntryPoint } from './helpers/process.ts'

const database = await createTestDatabase()
t.teardown(() => database.drop())

t.test('four processes migrating at once: one applies each migration, all succeed', async (t) => {
  const dbs = Array.from({ length: 4 }, () => createDatabase(createPool({ url: database.url, poolMax: 2, ssl: { mode: 'off', caFile: undefined }, migrateOnStart: true }, 'migrate-test')))
  t.teardown(() => Promise.all(dbs.map((db) => db.destroy())))
  const results = await Promise.all(dbs.map((db) => migrateToLatest(db)))
  const files = (await readdir(new URL('../db/migrations/', import.meta.url))).map((f) => f.replace(/\.ts$/, '')).sort()
  t.same(results.flat().sort(), files, 'each migration applied exactly once in all')
  t.same(await migrateToLatest(dbs[0]!), [], 'nothing left to do')
  const { rows } = await sql<{ name: string }>`select name from kysely_migration order by name`.execute(dbs[0]!)
  t.same(rows.map((r) => r.name), files)
})

t.test('migration files are numbered and never import application code', async (t) => {
  const dir = new URL('../db/migrations/', import.meta.url)
  for (const file of await readdir(dir)) {
    t.match(file, /^\d{4}_[a-z0-9_]+\.ts$/)
    const text = await (await import('node:fs/promises')).readFile(new URL(file, dir), 'utf8')
    t.notMatch(text, /from '\.\.\/\.\.\/src|from '.*\/src\//, `${file} imports nothing from src/`)
  }
})

t.test('npm run migrate applies the migrations, then finds nothing to do', async (t) => {
  const fresh = await createTestDatabase('migrate_cli')
  t.teardown(() => fresh.drop())
  const first = runEntryPoint(t, 'src/migrate.ts', { DATABASE_URL: fresh.url })
  t.same(await first.exited, { code: 0, signal: null })
  t.match(first.output(), /"applied":\["0001_create_todos".*"msg":"migrations applied"/)
  const second = runEntryPoint(t, 'src/migrate.ts', { DATABASE_URL: fresh.url })
  t.same(await second.exited, { code: 0, signal: null })
  t.match(second.output(), /database already up to date/)
})
