import type { Test } from 'tap'
import { buildApp, type App } from '../../src/app.ts'
import { loadConfig, withDatabaseUrl, type ReadyConfig } from '../../src/config.ts'
import type { Logger } from '../../src/logger.ts'
import { createTestDatabase, type TestDatabase } from './database.ts'

export interface TestApp { app: App, config: ReadyConfig, database: TestDatabase }

/** The real app (real Postgres, real pg-boss, inline worker unless told otherwise) on a database of its own. */
export async function buildTestApp (t: Test, env: NodeJS.ProcessEnv = {}, database?: TestDatabase, logger?: Logger): Promise<TestApp> {
  const db = database ?? await createTestDatabase()
  // Tests queue many calendars from one address: the POST /todos/ical limit is off unless a test
  // sets it (test/rate-limit.test.ts).
  const config = withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent', SHUTDOWN_TIMEOUT_MS: '5000', ICAL_RATE_LIMIT_PER_MINUTE: '0', ...env }), db.url)
  const app = await buildApp(config, { logger })
  t.teardown(async () => {
    await app.close()
    if (!database) await db.drop()
  })
  return { app, config, database: db }
}
