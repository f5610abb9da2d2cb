// Which Postgres an entry point uses: DATABASE_URL when set; otherwise the embedded one, which
// `npm start` owns (starts and stops) and other commands join while it runs.
import type { Config } from '../config.ts'
import type { Logger } from '../logger.ts'
import { findRunningEmbeddedPostgres, startEmbeddedPostgres, type EmbeddedPostgres } from './embedded-postgres.ts'

export interface ChosenDatabase { url: string, embedded?: EmbeddedPostgres }

export async function startOrUseDatabase (config: Config, logger: Logger): Promise<ChosenDatabase> {
  if (config.database.url) return { url: config.database.url }
  const embedded = await startEmbeddedPostgres({ ...config.embedded, logger })
  logger.info(`DATABASE_URL is not set: using an embedded PostgreSQL on 127.0.0.1:${config.embedded.port} with its data in ${embedded.dataDir} ` +
    '(set DATABASE_URL=postgres://user:password@host:5432/db to use another database)')
  return { url: embedded.url, embedded }
}

export class NoDatabaseError extends Error {
  override name = 'NoDatabaseError'
}

/** For `npm run worker`: DATABASE_URL, or the embedded Postgres of a running `npm start`. */
export async function joinDatabase (config: Config, logger: Logger): Promise<string> {
  if (config.database.url) return config.database.url
  const url = await findRunningEmbeddedPostgres(config.embedded.dataDir, config.embedded.explicitDataDir)
  if (!url) {
    throw new NoDatabaseError(`DATABASE_URL is not set and no running \`npm start\` owns an embedded Postgres in ${config.embedded.dataDir}. ` +
      'Start the API first (npm start), or set DATABASE_URL.')
  }
  logger.info(`DATABASE_URL is not set: joining the embedded PostgreSQL that \`npm start\` runs (data in ${config.embedded.dataDir})`)
  return url
}
