// The demo's only link to the service's start-up code: the same Postgres as the service
// (DATABASE_URL, or the embedded one that a running `npm start` owns), connected the same way
// (TLS settings, application name). Everything else in src/queue-demo/ stays independent.
//
// Without DATABASE_URL the demo JOINS the embedded Postgres of `npm start` (locateDatabase's
// 'join', as `npm run worker`), and never starts one itself ('join-or-own', as `npm run
// migrate`): the demo runs in several terminals at once, and the embedded Postgres has a single
// owner that stops it on exit. If the first subscriber owned it, its Ctrl-C would pull the
// database from under every other terminal. So with nothing to join it says to start the API
// (or set DATABASE_URL) and exits 1. The demo needs none of the service's migrations.
import { PgBoss } from 'pg-boss'
import { pino } from 'pino'
import { ConfigError, loadConfig, withDatabaseUrl } from '../config.ts'
import { locateDatabase, NoDatabaseError } from '../db/database-location.ts'
import { connectionOptions } from '../db/connection.ts'
import { redactSecrets } from '../redact.ts'

// A pg-boss schema of its own, rather than a name prefix in the service's `pgboss` schema: the
// demo's queues and jobs never show in the service's queue lists or dashboard, never meet its
// maintenance or its job-settled trigger, and `--name ical` cannot reach the calendar queue.
// `DROP SCHEMA queue_demo CASCADE` removes every trace of the demo.
export const DEMO_SCHEMA = 'queue_demo'

export class ConnectError extends Error {
  override name = 'ConnectError'
}

export interface DemoConnection {
  boss: PgBoss
  /** where the queues live, for people (no password) */
  where: string
}

export async function connectDemo (poolSize: number): Promise<DemoConnection> {
  let config
  try {
    config = loadConfig()
  } catch (error) {
    if (error instanceof ConfigError) throw new ConnectError(error.message)
    throw error
  }
  let url: string
  try {
    ({ url } = await locateDatabase(config, pino({ level: 'silent' }), 'join'))
  } catch (error) {
    if (error instanceof NoDatabaseError) throw new ConnectError(error.message)
    throw error
  }
  if (!URL.canParse(url)) throw new ConnectError('DATABASE_URL is not a valid URL') // never print it: it may hold a password
  const { host, pathname } = new URL(url)
  const where = `${config.database.url ? 'DATABASE_URL' : 'the embedded Postgres of `npm start`'} (${host}${pathname}, schema ${DEMO_SCHEMA})`
  const boss = new PgBoss({
    ...connectionOptions(withDatabaseUrl(config, url).database, 'taskoverflow-queue-demo'),
    schema: DEMO_SCHEMA,
    max: poolSize,
    connectionTimeoutMillis: 5000,
    instanceName: 'taskoverflow-queue-demo',
    schedule: false // no cron jobs here; supervision stays on to expire jobs of a killed subscriber
  })
  // Before start(): an 'error' event without a listener would kill the process.
  boss.on('error', (error) => console.error(`queue-demo: pg-boss: ${redactSecrets(error.message)}`))
  boss.on('warning', () => {}) // slow-query and queue-size hints are for operators, not this demo
  try {
    await boss.start()
  } catch (error) {
    await boss.stop({ graceful: false, timeout: 1000 }).catch(() => {})
    throw new ConnectError(`cannot reach the database at ${host}${pathname} (${where.startsWith('DATABASE_URL') ? 'DATABASE_URL' : 'embedded'}): ${redactSecrets((error as Error).message)}`)
  }
  return { boss, where }
}
