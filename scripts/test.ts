// `npm test`: the tap suite against a real PostgreSQL. TEST_DATABASE_URL (a database the tests
// may create databases from, e.g. postgres://postgres@127.0.0.1:5432/postgres) when given;
// otherwise an embedded Postgres started for this run in a temporary folder and removed after.
// Arguments are passed to tap (npm test -- test/todos.test.ts).
import { spawn } from 'node:child_process'
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import pg from 'pg'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded-postgres.ts'
import { createLogger } from '../src/logger.ts'
import { freePort } from './free-port.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const logger = createLogger('warn', 'test-runner')

let embedded: EmbeddedPostgres | undefined
let tmp: string | undefined
let url = process.env.TEST_DATABASE_URL
if (url) {
  console.log(`# tests against TEST_DATABASE_URL (${new URL(url).host})`)
} else {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'taskoverflow-test-'))
  await chmod(tmp, 0o755) // as root, Postgres runs as the postgres user, which must reach it
  embedded = await startEmbeddedPostgres({ dataDir: path.join(tmp, 'postgres'), port: await freePort(), logger })
  url = embedded.url
  console.log(`# tests against an embedded PostgreSQL (${new URL(url).host}, data in ${tmp})`)
}

// Each test file drops its own database; one that died before it could is dropped here.
const testDatabases = async (): Promise<string[]> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query("select datname from pg_database where datname like 't\\_%'")).rows.map((r) => r.datname as string)
  } finally {
    await client.end()
  }
}
const before = new Set(await testDatabases())

const tap = path.join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs')
const child = spawn(process.execPath, [tap, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_URL: url }
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
const leftovers = (await testDatabases()).filter((name) => !before.has(name))
if (leftovers.length > 0) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  for (const name of leftovers) await client.query(`drop database if exists ${name} with (force)`)
  await client.end()
}
await embedded?.stop()
if (tmp) await rm(tmp, { recursive: true, force: true })
process.exit(code)
