// The service through a real PgBouncer in transaction mode (Debian's `pgbouncer`), as the README's
// "Behind PgBouncer" section sets it up: DATABASE_PREPARED_STATEMENTS=false,
// QUEUE_LISTEN_NOTIFY=false, WORKER_LIVENESS=false. Also what breaks without those settings, and why.
import { readdir } from 'node:fs/promises'
import { Writable } from 'node:stream'
import t from 'tap'
import pg from 'pg'
import { pino } from 'pino'
import { buildApp } from '../src/app.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createDatabase, createPool } from '../src/db/connection.ts'
import { lockForMigrations } from '../src/db/migration-lock.ts'
import { createLogger } from '../src/logger.ts'
import { JobSettledPoller } from '../src/queue/job-settled-poller.ts'
import { migrateDatabase } from '../src/startup.ts'
import { buildTestApp } from './helpers/app.ts'
import { adminUrl, createTestDatabase } from './helpers/database.ts'
import { findPgBouncer, startPgBouncer } from './helpers/pgbouncer.ts'
import { runEntryPoint } from './helpers/process.ts'
import { createTask, statusOf } from './helpers/tasks.ts'
import { waitFor } from './helpers/wait.ts'

const binary = findPgBouncer()
if (!binary) {
  t.plan(0, 'skip: pgbouncer is not installed (Debian: apt-get install pgbouncer; .ci/run installs it)')
} else {
  const bouncer = (poolSize: number) => startPgBouncer(t, binary, adminUrl(), { poolSize })
  const database = async (label: string, options: { empty?: boolean } = {}) => {
    const db = await createTestDatabase(`pgbouncer_${label}`, options)
    t.teardown(() => db.drop())
    return db
  }
  const migrationFiles = (await readdir(new URL('../db/migrations/', import.meta.url))).map((f) => f.replace(/\.ts$/, '')).sort()

  t.test('prepared statements ON behind PgBouncer: a named statement meets the wrong server session', async (t) => {
    // One server connection for all clients: two clients preparing the same text meet on it.
    const via = await bouncer(1)
    const db = await database('prepared_on')
    const lines: string[] = []
    const logger = pino({ level: 'error' }, new Writable({ write (chunk, _encoding, done) { lines.push(chunk.toString()); done() } }))
    const config = withDatabaseUrl(loadConfig({ QUEUE_LISTEN_NOTIFY: 'false', SHUTDOWN_TIMEOUT_MS: '5000' }), via.url(db.url))
    // It breaks at start-up (migrations or pg-boss) or, if start-up was lucky, at the first
    // concurrent requests (each on a pooled client of its own): either way with Postgres's
    // "prepared statement ... already exists" (42P05) or "... does not exist" (26000).
    const known = /prepared statement "q_\w+" (already exists|does not exist)/
    let failure: string | undefined
    try {
      const app = await buildApp(config, { logger })
      t.teardown(() => app.close())
      const responses = await Promise.all(Array.from({ length: 8 }, () => app.inject({ method: 'GET', url: '/api/v1/todos' })))
      const failed = responses.filter((r) => r.statusCode !== 200)
      t.ok(failed.length > 0, 'some requests fail')
      t.same(new Set(failed.map((r) => r.statusCode)), new Set([500]))
      failure = lines.find((line) => known.test(line))
    } catch (error) {
      t.match(error, { code: /^(42P05|26000)$/ }, 'start-up fails')
      failure = (error as Error).message
    }
    t.match(failure, known)
  })

  t.test('LISTEN behind PgBouncer: a notification reaching the idle server session is dropped', async (t) => {
    const via = await bouncer(4)
    const db = await database('listen')
    const listener = new pg.Client({ connectionString: via.url(db.url) })
    await listener.connect()
    t.teardown(() => listener.end())
    const received: string[] = []
    listener.on('notification', (message) => received.push(message.payload ?? ''))
    await listener.query('LISTEN pgbouncer_test') // accepted: PgBouncer passes it to a server session
    const direct = new pg.Client({ connectionString: db.url })
    await direct.connect()
    await direct.query("NOTIFY pgbouncer_test, 'settled'")
    await direct.end()
    // The session that listens sits idle in PgBouncer's pool, linked to no client.
    await via.process.waitForOutput(/got packet 'A' from server when not linked/)
    t.same(received, [], 'the listening client never hears of it: ?wait= cannot rely on LISTEN here')
  })

  t.test('migrations through PgBouncer: four `npm run migrate` at once on an empty database, each migration applied once, no lock left', async (t) => {
    const via = await bouncer(2)
    const db = await database('migrate', { empty: true })
    const env = { DATABASE_URL: via.url(db.url), DATABASE_PREPARED_STATEMENTS: 'false', QUEUE_LISTEN_NOTIFY: 'false' }
    const runs = Array.from({ length: 4 }, () => runEntryPoint(t, 'src/migrate.ts', env))
    for (const run of runs) t.same(await run.exited, { code: 0, signal: null }, 'exits 0')
    const applied = runs.flatMap((run) => {
      const line = run.output().split('\n').find((l) => l.includes('"applied"'))
      return line ? (JSON.parse(line) as { applied: string[] }).applied : []
    })
    t.same(applied.sort(), migrationFiles, 'each migration applied by exactly one process')
    const direct = new pg.Client({ connectionString: db.url })
    await direct.connect()
    t.teardown(() => direct.end())
    const { rows } = await direct.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and database = (select oid from pg_database where datname = current_database())")
    t.equal(rows[0].n, 0, 'the lock ended with its transaction')
  })

  t.test('migrations through PgBouncer wait while another transaction holds the migration lock', async (t) => {
    const via = await bouncer(2)
    const db = await database('migrate_lock', { empty: true })
    const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent', DATABASE_PREPARED_STATEMENTS: 'false', QUEUE_LISTEN_NOTIFY: 'false' }), via.url(db.url))
    const holder = createDatabase(createPool(config.database, 'lock-holder'))
    const direct = new pg.Client({ connectionString: db.url })
    await direct.connect()
    t.teardown(async () => { await direct.end(); await holder.destroy() })
    let release!: () => void
    const released = new Promise<void>((resolve) => { release = resolve })
    let locked!: () => void
    const isLocked = new Promise<void>((resolve) => { locked = resolve })
    const holding = holder.transaction().execute(async (trx) => {
      await lockForMigrations(trx)
      locked()
      await released
    })
    await isLocked
    const migrating = migrateDatabase(config, createLogger('silent'))
    const waiting = async () => (await direct.query("select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted")).rows[0].n === 1
    await waitFor(waiting, 'the migrator waits for the lock')
    const { rows } = await direct.query("select to_regclass('kysely_migration') is null as none")
    t.ok(rows[0].none, 'nothing of ours migrated while the lock is held')
    release()
    await holding
    t.same(await migrating, migrationFiles, 'migrated once the holder committed')
  })

  t.test('the service behind PgBouncer with the README settings: todos, a calendar job to SUCCESS, ?wait', async (t) => {
    const via = await bouncer(4)
    const db = await database('service')
    const env = { DATABASE_PREPARED_STATEMENTS: 'false', QUEUE_LISTEN_NOTIFY: 'false', WORKER_LIVENESS: 'false', WORKER_POLL_SECONDS: '0.5', ICAL_DELAY_MS: '300' }
    const { app } = await buildTestApp(t, env, { ...db, url: via.url(db.url) })
    t.ok(app.jobSettled instanceof JobSettledPoller, '?wait= polls instead of listening')

    const created = await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'behind the bouncer', deadline_at: '2023-02-27T09:00:00' } })
    t.equal(created.statusCode, 201)
    const { id } = created.json()
    const put = await app.inject({ method: 'PUT', url: `/api/v1/todos/${id}`, payload: { title: 'still behind', completed: true } })
    t.match({ status: put.statusCode, body: put.json() }, { status: 200, body: { title: 'still behind', completed: true } })
    const other = await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'short-lived' } })
    const deleted = await app.inject({ method: 'DELETE', url: `/api/v1/todos/${other.json().id}` })
    t.match({ status: deleted.statusCode, body: deleted.json() }, { status: 200, body: { title: 'short-lived' } })
    // Concurrent requests, on more pooled clients than PgBouncer has server connections.
    const lists = await Promise.all(Array.from({ length: 12 }, () => app.inject({ method: 'GET', url: '/api/v1/todos' })))
    t.same(new Set(lists.map((r) => r.statusCode)), new Set([200]))
    t.same(lists[0]!.json().map((todo: { title: string }) => todo.title), ['still behind'])

    const task = await createTask(app)
    // One request, waiting: it must be woken by the poller when the job settles (it would
    // otherwise answer PENDING or STARTED after 30 s).
    const done = await statusOf(app, task.task_id, '?wait=30')
    t.match(done.json(), { task_status: 'SUCCESS', result: { events: 1 } })
    const result = await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${task.task_id}/result` })
    t.equal(result.statusCode, 200)
    t.match(result.body, /SUMMARY:still behind/)
  })
}
