// Forward-only migrations from db/migrations, applied in name order, all pending ones in one
// transaction that first takes an advisory lock: several processes starting at once are safe (one
// migrates, the others wait and then find nothing left to do), also through PgBouncer in
// transaction mode, because the lock is the transaction's (see migration-lock.ts).
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kysely } from 'kysely'
import { FileMigrationProvider, Migrator } from 'kysely/migration'
import { TransactionLockAdapter, lockForMigrations } from './migration-lock.ts'

// src/db -> ../../db/migrations, both from the sources and from the build in dist/.
const migrationFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../db/migrations')

const migrator = (db: Kysely<any>) => new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) })

export async function migrateToLatest (db: Kysely<any>): Promise<string[]> {
  if (!(db.getExecutor().adapter instanceof TransactionLockAdapter)) {
    throw new Error('migrateToLatest needs a database made by createDatabase() (its migration lock is transaction-scoped)')
  }
  return db.transaction().execute(async (trx) => {
    // Before kysely looks at (or creates) its bookkeeping tables, so that is serialised too.
    await lockForMigrations(trx)
    const { error, results } = await migrator(trx).migrateToLatest()
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName
      const cause = error instanceof Error ? error.message : String(error)
      // Thrown inside the transaction: nothing of a failed run is committed.
      throw new Error(`Migration ${failed ? `${failed} ` : ''}failed: ${cause}`, { cause: error })
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
  })
}

/** Up to and including one migration: a database as an older release left it (tests of upgrades). */
export async function migrateUpTo (db: Kysely<any>, name: string): Promise<void> {
  const { error } = await migrator(db).migrateTo(name)
  if (error !== undefined) throw error
}

/** Migrations not applied yet (all of them on an empty database). */
export async function pendingMigrations (db: Kysely<any>): Promise<string[]> {
  return (await migrator(db).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name)
}
