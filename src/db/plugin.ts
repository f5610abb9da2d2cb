import fp from 'fastify-plugin'
import type { Kysely } from 'kysely'
import type { ReadyConfig } from '../config.ts'
import { createDatabase, createPool } from './connection.ts'
import { migrateToLatest } from './migrate.ts'
import type { Database } from './schema.ts'

declare module 'fastify' {
  interface FastifyInstance {
    db: Kysely<Database>
  }
}

export const databasePlugin = fp<ReadyConfig>(async (app, config) => {
  const db = createDatabase(createPool(config.database, 'taskoverflow-api'))
  app.decorate('db', db)
  app.addHook('onClose', async () => { await db.destroy() })
  if (config.database.migrateOnStart) {
    const applied = await migrateToLatest(db)
    if (applied.length > 0) app.log.info({ applied }, 'database migrated')
  }
}, { name: 'db' })
