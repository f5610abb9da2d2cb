// The PostgreSQL benchmarks run against: BENCH_DATABASE_URL (a database they may create databases
// from), else the machine's own on 127.0.0.1:5432 when it answers, else an embedded one started
// for the run. Each benchmark gets a fresh database.
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import pg from 'pg'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../../src/db/embedded/index.ts'
import { createLogger } from '../../src/logger.ts'
import { freePort } from './processes.ts'

export interface BenchServer {
  adminUrl: string
  description: string
  version: string
  createDatabase (label: string): Promise<{ url: string, name: string }>
  close (): Promise<void>
}

const MACHINE = 'postgres://postgres@127.0.0.1:5432/postgres'

export async function startBenchServer (): Promise<BenchServer> {
  let adminUrl = process.env.BENCH_DATABASE_URL
  let description = 'BENCH_DATABASE_URL'
  let embedded: EmbeddedPostgres | undefined
  let tmp: string | undefined
  if (!adminUrl && await answers(MACHINE)) {
    adminUrl = MACHINE
    description = "the machine's PostgreSQL (127.0.0.1:5432)"
  }
  if (!adminUrl) {
    tmp = await mkdtemp(path.join(os.tmpdir(), 'taskoverflow-bench-'))
    await chmod(tmp, 0o755)
    embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'postgres'), port: await freePort(), logger: createLogger('warn') })
    adminUrl = embedded.url
    description = 'an embedded PostgreSQL'
  }
  const created: string[] = []
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>) => {
    const client = new pg.Client({ connectionString: adminUrl })
    await client.connect()
    try { return await fn(client) } finally { await client.end() }
  }
  const version = await admin(async (c) => (await c.query('show server_version')).rows[0].server_version as string)
  return {
    adminUrl,
    description,
    version,
    async createDatabase (label) {
      const name = `bench_${label.replace(/\W/g, '_')}_${randomBytes(3).toString('hex')}`
      await admin((c) => c.query(`create database ${name}`))
      created.push(name)
      const url = new URL(adminUrl)
      url.pathname = `/${name}`
      return { url: url.toString(), name }
    },
    async close () {
      await admin(async (c) => {
        for (const name of created) await c.query(`drop database if exists ${name} with (force)`)
      })
      await embedded?.stop()
      if (tmp) await rm(tmp, { recursive: true, force: true })
    }
  }
}

async function answers (url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 })
  try {
    await client.connect()
    await client.end()
    return true
  } catch {
    return false
  }
}

/** Run SQL on a benchmark database. */
export async function sql<T = any> (url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try { return (await client.query(text, values)).rows } finally { await client.end() }
}

/**
 * Refresh a benchmark database's planner statistics, as autovacuum does on a database that has
 * been running for a minute or more. A benchmark's database is minutes old at most: without this,
 * the plans of its queue statements are made for the empty tables it started with, and a fetch
 * or a job lookup walks every job row of the queue (measured: pg-boss's fetch 2.0 ms instead of
 * 0.48 ms after 1,500 jobs). Plans cached by open connections are made again at their next use.
 */
export async function analyze (url: string): Promise<void> {
  await sql(url, 'analyze')
}
