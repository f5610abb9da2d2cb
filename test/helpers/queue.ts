// A database of its own with a kysely pool and a started pg-boss, as a worker process has them,
// all stopped and dropped when the test file ends.
import type { Test } from 'tap'
import type { Kysely } from 'kysely'
import { calendarQueues } from '../../src/calendar/queue.ts'
import { loadConfig, withDatabaseUrl, type ReadyConfig } from '../../src/config.ts'
import { createDatabase, createPool } from '../../src/db/connection.ts'
import { oneTripTransactions, type OneTripTransaction } from '../../src/db/one-trip.ts'
import type { Database } from '../../src/db/schema.ts'
import { createLogger } from '../../src/logger.ts'
import { startBoss, type PgBoss } from '../../src/queue/boss.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'

export interface TestQueue { database: TestDatabase, config: ReadyConfig, db: Kysely<Database>, oneTrip: OneTripTransaction, boss: PgBoss }

export async function startTestQueue (t: Test, role = 'worker'): Promise<TestQueue> {
  const database = await createTestDatabase()
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), database.url)
  const pool = createPool(config.database, `${role}-test`)
  const db = createDatabase(pool)
  const boss = await startBoss(config, createLogger('silent'), role, calendarQueues(config))
  t.teardown(async () => {
    await boss.stop({ graceful: false })
    await db.destroy()
    await database.drop()
  })
  return { database, config, db, oneTrip: oneTripTransactions(pool), boss }
}
