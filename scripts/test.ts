// `npm test`: the tap suite against a real PostgreSQL. TEST_DATABASE_URL (a database the tests
// may create databases from, e.g. postgres://postgres@127.0.0.1:5432/postgres) when given;
// otherwise an embedded Postgres started for this run in a temporary folder and removed after.
// The run migrates one template database (pg-boss's schema and ours); each test file copies it.
// Arguments are passed to tap (npm test -- test/todos.test.ts). `--database-only` runs only the
// files that use a database (CI runs those a second time against another Postgres version).
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { chmod, mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { glob } from 'node:fs/promises'
import pg from 'pg'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded/index.ts'
import { createLogger } from '../src/logger.ts'
import { migrateDatabase } from '../src/startup.ts'
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

const admin = async <T>(fn: (client: pg.Client) => Promise<T>): Promise<T> => {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return await fn(client)
  } finally {
    await client.end()
  }
}
// Every database of this run is named t_<run>_..., so concurrent runs on one server leave each
// other's alone. Each test file drops its own; one that died before it could is dropped here.
const run = randomBytes(3).toString('hex')
const template = `t_${run}_template`
await admin((c) => c.query(`create database ${template}`))
const templateUrl = new URL(url)
templateUrl.pathname = `/${template}`
await migrateDatabase(withDatabaseUrl(loadConfig({ LOG_LEVEL: 'warn' }), templateUrl.toString()), logger)

let args = process.argv.slice(2)
if (args.includes('--database-only')) {
  args = args.filter((a) => a !== '--database-only')
  const files: string[] = []
  for await (const file of glob('test/**/*.test.ts', { cwd: root })) {
    if (/createTestDatabase|buildTestApp|TEST_DATABASE_URL/.test(await readFile(path.join(root, file), 'utf8'))) files.push(file)
  }
  args.push(...files.sort())
  console.log(`# only the ${files.length} test files that use a database`)
}

// tap runs one file at a time on a 2-core machine (it leaves a core free), but these files spend
// most of their time waiting on Postgres, child processes and timers: two at a time took the suite
// against the machine's PostgreSQL from 10.8 to 5.2 minutes there (three at a time: 4.5, but one
// run of two had a file miss a 20 s wait). Each file has a database and ports of its own.
if (!args.some((a) => /^(-j|--jobs)/.test(a))) args.unshift(`--jobs=${Math.max(2, os.availableParallelism() - 1)}`)

const tap = path.join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs')
const child = spawn(process.execPath, [tap, ...args], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, TEST_DATABASE_URL: url, TEST_RUN_ID: run, TEST_TEMPLATE_DATABASE: template }
})
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal))
const code = await new Promise<number>((resolve) => child.on('close', (c) => resolve(c ?? 1)))
await admin(async (c) => {
  const { rows } = await c.query('select datname from pg_database where datname like $1', [`t\\_${run}\\_%`])
  for (const { datname } of rows) await c.query(`drop database if exists ${datname as string} with (force)`)
})
await embedded?.stop()
if (tmp) await rm(tmp, { recursive: true, force: true })
process.exit(code)
