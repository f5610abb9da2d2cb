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

export async function migrateToLatest (db: Kysely<any>): Promise<string[]> {
  const migrator = new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder })
  })
  const { error, results }: MigrationResultSet = await migrator.migrateToLatest()
  const failed = results?.find((r) => r.status === 'Error')
  if (error !== undefined) {
    const cause = error instanceof Error ? error.message : String(error)
    throw new Error(`Migration ${failed?.migrationName ?? ''} failed: ${cause}`, { cause: error })
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName)
}
