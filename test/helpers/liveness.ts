// Crash recovery as the tests watch it: the liveness sessions (src/queue/liveness.ts) of a
// process as Postgres sees them, the claims workers record (src/queue/claims.ts), pg-boss's row.
import { sql, type Kysely } from 'kysely'
import type { Database } from '../../src/db/schema.ts'
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
