// Each test file gets a database of its own on the test server (TEST_DATABASE_URL, which
// `npm test` provides), dropped when the file's tests end. It is a copy of a template that the
// test runner migrated once (TEST_TEMPLATE_DATABASE): pg-boss's schema and ours, so a file does
// not install them again. `{ empty: true }` gives a database with nothing in it.
import { randomBytes } from 'node:crypto'
import path from 'node:path'
import pg from 'pg'

export function adminUrl (): string {
  const url = process.env.TEST_DATABASE_URL
  if (!url) throw new Error('TEST_DATABASE_URL is not set: run the tests with `npm test`')
  return url
}

export async function admin<T> (fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminUrl() })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}

export interface TestDatabase { url: string, name: string, drop (): Promise<void> }

export async function createTestDatabase (
  label = path.basename(process.argv[1] ?? 'test', '.test.ts'),
  { empty = false }: { empty?: boolean } = {}
): Promise<TestDatabase> {
  const run = process.env.TEST_RUN_ID ?? 'x' // npm test names its databases after the run (scripts/test.ts)
  const name = `t_${run}_${label.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(4).toString('hex')}`
  const template = empty ? undefined : process.env.TEST_TEMPLATE_DATABASE
  await admin((c) => c.query(`create database ${name}${template ? ` template ${template}` : ''}`))
  const url = new URL(adminUrl())
  url.pathname = `/${name}`
  return {
    url: url.toString(),
    name,
    drop: () => admin(async (c) => { await c.query(`drop database if exists ${name} with (force)`) })
  }
}
