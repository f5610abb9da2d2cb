// Forward-only migrations from db/migrations, applied in name order. Kysely's Migrator holds a
// Postgres advisory lock while it works, so several processes starting at once are safe: one
// migrates, the others wait and then find nothing left to do.
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Kysely } from 'kysely'
import { FileMigrationProvider, Migrator, type MigrationResultSet } from 'kysely/migration'

// src/db -> ../../db/migrations, both from the sources and from the build in dist/.
const migrationFolder = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../db/migrations')

const migrator = (db: Kysely<any>) => new Migrator({ db, provider: new FileMigrationProvider({ fs, path, migrationFolder }) })

export async function migrateToLatest (db: Kysely<any>): Promise<string[]> {
  const { error, results }: MigrationResultSet = await migrator(db).migrateToLatest()
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName
    const cause = error instanceof Error ? error.message : String(error)
    throw new Error(`Migration ${failed ? `${failed} ` : ''}failed: ${cause}`, { cause: error })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}

/** Migrations not applied yet (all of them on an empty database). */
export async function pendingMigrations (db: Kysely<any>): Promise<string[]> {
  return (await migrator(db).getMigrations()).filter((m) => m.executedAt === undefined).map((m) => m.name)
}
