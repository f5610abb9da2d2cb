// One place that turns the database configuration into connection options, so the kysely pool,
// pg-boss's pool and every listener connect the same way (URL, TLS, application name).
import { readFileSync } from 'node:fs'
import pg from 'pg'
import { Kysely, type PostgresPool } from 'kysely'
import type { ReadyConfig } from '../config.ts'
import { TransactionLockDialect } from './migration-lock.ts'
import { PreparingClient, useGenericPlans } from './preparing-client.ts'
import type { Database } from './schema.ts'

const TIMESTAMP_OID = 1114
const INT8_OID = 20

export interface ConnectionOptions {
  connectionString: string
  ssl?: pg.ClientConfig['ssl']
  application_name: string
}

export function connectionOptions (database: Pick<ReadyConfig['database'], 'url' | 'ssl'>, applicationName: string): ConnectionOptions {
  const options: ConnectionOptions = { connectionString: database.url, application_name: applicationName }
  // 'off' leaves TLS to the URL (e.g. ?sslmode=require); the other modes set it explicitly.
  if (database.ssl.mode === 'no-verify') options.ssl = { rejectUnauthorized: false }
  if (database.ssl.mode === 'verify') {
    options.ssl = {
      rejectUnauthorized: true,
      ...(database.ssl.caFile ? { ca: readFileSync(database.ssl.caFile, 'utf8') } : {})
    }
  }
  return options
}

// Per-pool parsers (not pg's global ones, which pg-boss's pool shares): a naive timestamp stays
// the exact text Postgres stored, only with the ISO "T", so no Date and no time zone ever touch
// it; bigint counts we store fit comfortably in a double.
const types = {
  getTypeParser (oid: number, format?: 'text' | 'binary') {
    if (oid === TIMESTAMP_OID) return (value: string) => value.replace(' ', 'T')
    if (oid === INT8_OID) return (value: string) => Number(value)
    return pg.types.getTypeParser(oid, format)
  }
} as pg.CustomTypesConfig

/** What a pool needs of the database configuration; preparedStatements defaults to on, as in Config. */
export type PoolSettings = Pick<ReadyConfig['database'], 'url' | 'poolMax' | 'ssl'> & Partial<ReadyConfig['database']>

/** The Client class of both pools: named prepared statements unless DATABASE_PREPARED_STATEMENTS=false (preparing-client.ts). */
export function clientClass (database: Pick<PoolSettings, 'preparedStatements'>): typeof pg.Client {
  return database.preparedStatements === false ? pg.Client : PreparingClient
}

/** For pg-boss's pool: its prepared statements planned once, generic plans (preparing-client.ts). */
export function genericPlans (database: Pick<PoolSettings, 'preparedStatements'>): Pick<pg.PoolConfig, 'onConnect'> {
  return database.preparedStatements === false ? {} : { onConnect: useGenericPlans }
}

export function createPool (database: PoolSettings, applicationName: string): pg.Pool {
  const pool = new pg.Pool({
    ...connectionOptions(database, applicationName),
    max: database.poolMax,
    connectionTimeoutMillis: 5000, // fail fast (503) rather than hang when the database is away
    types,
    Client: clientClass(database),
    // Statements sent without waiting for the one before go out at once (one-trip.ts). kysely
    // sends one at a time, for which pipeline mode changes nothing. (pg refuses cursors in this
    // mode, kysely's .stream() included: reads page by page instead, keyset-pages.ts.)
    pipeline: true
  })
  // A lost connection (database restart, network cut) must not crash the process. pg reports it
  // as an 'error' event on the client: the pool listens while the client is idle, nobody while
  // kysely has it checked out, and an unheard 'error' event kills Node. So every client gets a
  // listener of its own; the query in flight still fails (503), and the pool drops the client.
  pool.on('error', () => {})
  pool.on('connect', (client) => { client.on('error', () => {}) })
  return pool
}

/** Postgres through kysely; its migration lock is transaction-scoped (see migration-lock.ts). */
export function createDatabase (pool: pg.Pool | PostgresPool): Kysely<Database> {
  return new Kysely<Database>({ dialect: new TransactionLockDialect({ pool }) })
}
