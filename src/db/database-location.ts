// Which Postgres an entry point uses: DATABASE_URL when set; otherwise the embedded one, which
// `npm start` owns (starts and stops) and other commands join while it runs.
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { describeUrl } from './unavailable.ts'
import { findRunningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded/index.ts'

/** source: which database, in words for log lines (never the URL: it may hold a password). */
export interface DatabaseLocation { url: string, source: string, embedded?: EmbeddedPostgres }

/**
 * own: start the embedded Postgres and own it (npm start);
 * join: use the one a running `npm start` owns, or fail (npm run worker);
 * join-or-own: join it, or start it for as long as this command runs (npm run migrate).
 */
export type EmbeddedUse = 'own' | 'join' | 'join-or-own'

export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError'
}

export async function locateDatabase (config: Config, logger: Logger, use: EmbeddedUse): Promise<DatabaseLocation> {
  if (config.database.url) return { url: config.database.url, source: `the database at ${describeUrl(config.database.url)} (DATABASE_URL)` }
  const { dataDir, explicitDataDir, port } = config.embedded
  if (use !== 'own') {
    const running = await findRunningEmbeddedPostgres(dataDir, explicitDataDir)
    if (running) {
      logger.info(`DATABASE_URL is not set: joining the embedded PostgreSQL that \`npm start\` runs (data in ${dataDir})`)
      return { url: running, source: 'the embedded PostgreSQL of the running `npm start`' }
    }
    if (use === 'join') {
      throw new NoDatabaseError(`DATABASE_URL is not set and no running \`npm start\` owns an embedded Postgres in ${dataDir}. ` +
        'Start the API first (npm start), or set DATABASE_URL.')
    }
  }
  const embedded = await startEmbeddedPostgres({ ...config.embedded, logger })
  logger.info(`DATABASE_URL is not set: using an embedded PostgreSQL on 127.0.0.1:${port} with its data in ${embedded.dataDir} ` +
    '(set DATABASE_URL=postgres://user:password@host:5432/db to use another database)')
  return { url: embedded.url, source: 'the embedded PostgreSQL', embedded }
}
