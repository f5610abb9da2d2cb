// Crash recovery as the tests watch it: the liveness sessions (src/queue/liveness.ts) of a
// process as Postgres sees them, the claims workers record (src/queue/claims.ts), pg-boss's row.
import { sql, type Kysely } from 'kysely'
import type { Test } from 'tap'
import { createDatabase, createPool } from '../../src/db/connection.ts'
import type { Database } from '../../src/db/schema.ts'
import { buildTestApp } from './app.ts'
import { admin } from './database.ts'
import { waitFor } from './wait.ts'

export async function livenessBackends (pid: number): Promise<number[]> {
  return admin(async (c) => {
    const { rows } = await c.query<{ pid: number }>("select pid from pg_stat_activity where application_name like 'taskoverflow-liveness@%:' || $1", [pid])
    return rows.map((row) => row.pid)
  })
}

export async function terminateBackend (pid: number): Promise<void> {
  await admin((c) => c.query('select pg_terminate_backend($1)', [pid]))
}

// STARTED shows as soon as pg-boss's fetch commits; the worker records its claim a moment later
// (a kill before that is left to pg-boss's heartbeat). Tests that kill "mid-job" wait for it.
export async function waitForClaim (db: Kysely<Database>, id: string): Promise<void> {
  await waitFor(async () => (await sql`select 1 from job_claims where job_id = ${id}`.execute(db)).rows.length > 0, `job ${id} claimed`)
}

export async function bossJobRow (db: Kysely<Database>, id: string) {
  const { rows } = await sql<{ retry_count: number, retry_limit: number, output: unknown }>`
    select retry_count, retry_limit, output from pgboss.job where id = ${id}`.execute(db)
  return rows[0]!
}

/**
 * The two crash-recovery test files' setup: an API without a worker (workers are real processes
 * the test starts and kills), pg-boss's own supervision pushed out of reach so only the sweep can
 * explain a recovery, one todo, and a connection of the test's own for reading the queue.
 */
export async function recoveryFixture (t: Test) {
  const queueEnv = { QUEUE_SUPERVISE_SECONDS: '3600', JOB_RETRY_DELAY_SECONDS: '0', WORKER_CONCURRENCY: '1' }
  const { app, config, database } = await buildTestApp(t, { WORKER_MODE: 'off', ...queueEnv })
  const db = createDatabase(createPool(config.database, 'crash-recovery-test'))
  t.teardown(() => db.destroy())
  await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'lecture', deadline_at: '2023-02-27T00:00:00' } })
  return { app, config, database, db, env: { DATABASE_URL: database.url, ...queueEnv } }
}
