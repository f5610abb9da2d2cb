// The one start-up path of every entry point (npm start, npm run worker, npm run migrate):
// choose the database -> migrate (or check that it is migrated) -> the caller starts the queue.
import type { Config, ReadyConfig } from './config.ts'
import { withDatabaseUrl } from './config.ts'
import { createDatabase, createPool } from './db/connection.ts'
import { locateDatabase, type EmbeddedUse } from './db/database-location.ts'
import { explainConnectionError } from './db/unavailable.ts'
import type { EmbeddedPostgres } from './db/embedded/index.ts'
import { migrateToLatest, pendingMigrations } from './db/migrate.ts'
import type { Logger } from './logger.ts'
import { installBossSchema } from './queue/boss.ts'

export interface OpenedDatabase {
  config: ReadyConfig
  /** set when this process started the embedded Postgres: it stops it last */
  embedded?: EmbeddedPostgres
}

export interface OpenOptions {
  embedded: EmbeddedUse
  /** migrate even when MIGRATE_ON_START=false (npm run migrate) */
  migrate?: boolean
}

export async function openDatabase (config: Config, logger: Logger, options: OpenOptions): Promise<OpenedDatabase> {
  const location = await locateDatabase(config, logger, options.embedded)
  const ready = withDatabaseUrl(config, location.url, location.source)
  try {
    if (options.migrate || ready.database.migrateOnStart) {
      const applied = await migrateDatabase(ready, logger)
      logger.info({ applied }, applied.length > 0 ? 'database migrated' : 'database schema up to date')
    } else {
      await assertMigrated(ready)
    }
  } catch (error) {
    await location.embedded?.stop()
    const source = config.database.url ? 'DATABASE_URL' : 'the embedded PostgreSQL of `npm start`'
    const explained = explainConnectionError((error as { cause?: unknown }).cause ?? error, location.url, source)
    throw explained ? new Error(explained, { cause: error }) : error
  }
  return { config: ready, embedded: location.embedded }
}

/**
 * pg-boss installs or upgrades its own schema first (under its advisory lock), then our
 * migrations run (under their transaction's lock, see db/migration-lock.ts): one of them attaches a trigger to pg-boss's job table.
 */
export async function migrateDatabase (config: ReadyConfig, logger: Logger): Promise<string[]> {
  const db = createDatabase(createPool(config.database, 'taskoverflow-migrate'))
  try {
    // Nothing of ours pending (the usual start): pg-boss upgrades its own schema when it starts.
    if ((await pendingMigrations(db)).length === 0) return []
    await installBossSchema(config, logger)
    return await migrateToLatest(db)
  } finally {
    await db.destroy()
  }
}

async function assertMigrated (config: ReadyConfig): Promise<void> {
  const db = createDatabase(createPool(config.database, 'taskoverflow-check'))
  try {
    const pending = await pendingMigrations(db)
    if (pending.length > 0) {
      throw new Error(`The database has not been migrated (pending: ${pending.join(', ')}): run \`npm run migrate\`, or start with MIGRATE_ON_START=true`)
    }
  } finally {
    await db.destroy()
  }
}
