// buildApp failing part-way (here pg-boss refusing a schema it cannot migrate, after the pool and
// the liveness session have opened) must close what it had opened: the caller gets the error and
// its process can end. Before, both stayed open and kept a test process alive until its timeout.
import t from 'tap'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createTestDatabase } from './helpers/database.ts'
import { waitFor } from './helpers/wait.ts'

t.test('a start-up that fails after the pool opened leaves no session on the database', async (t) => {
  const db = await createTestDatabase()
  t.teardown(() => db.drop())
  const direct = new pg.Client({ connectionString: db.url })
  await direct.connect()
  t.teardown(() => direct.end())
  await direct.query('update pgboss.version set version = 1')
  const others = async () => (await direct.query<{ n: number }>(
    "select count(*)::int as n from pg_stat_activity where datname = current_database() and backend_type = 'client backend' and pid <> pg_backend_pid()")).rows[0]!.n

  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent', WORKER_LIVENESS: 'true' }), db.url)
  await t.rejects(buildApp(config), /Cannot migrate pg-boss schema from version 1/)
  await waitFor(async () => (await others()) === 0, 'every session the app opened has ended', { timeoutMs: 5_000 })
  t.pass('no session left')
})
