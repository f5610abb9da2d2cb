// The kysely instance of an HTTP process (`app.db`), closed with it. The database is chosen and
// migrated before the app is built (src/startup.ts).
import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { ReadyConfig } from '../config.ts'
import { createDatabase, createPool } from './connection.ts'
import { oneTripTransactions, type OneTripTransaction } from './one-trip.ts'
import { processName } from '../process-name.ts'
import { busyAwarePool } from './pool-busy.ts'
import type { Database } from './schema.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
    /** the same pool for this process's own work (inline jobs, the crash-recovery sweep): it waits
     * for a connection like any pg client, never refused as busy; the busy answer is for requests */
    workDb: Kysely<Database>
    /** transactions sent as one round trip on that pool (src/db/one-trip.ts) */
    workOneTrip: OneTripTransaction
  }
}

export const databasePlugin = fp<ReadyConfig>(async (app, config) => {
  // A request that finds every connection lent out is answered busy, not "database unavailable",
  // and only so many may wait (src/db/pool-busy.ts).
  const pool = createPool(config.database, processName('api'))
  const db = createDatabase(busyAwarePool(pool, { maxWaiting: config.database.poolQueueMax }))
  app.decorate('db', db)
  app.decorate('workDb', createDatabase(pool))
  app.decorate('workOneTrip', oneTripTransactions(pool))
  // (Only one of the two is destroyed: both would end the one pool twice.)
  app.addHook('onClose', async () => { await db.destroy() })
}, { name: 'db' })
