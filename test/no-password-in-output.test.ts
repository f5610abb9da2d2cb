// A password in DATABASE_URL never shows up in anything a process prints, at any log level:
// real `npm start`, `npm run worker`, `npm run migrate` and `npm run queue-demo` processes, at
// LOG_LEVEL=trace, with URLs that are malformed, point at a port where nothing listens, name a
// role the real server refuses, or work. Every byte of stdout and stderr is searched.
import path from 'node:path'
import { randomBytes } from 'node:crypto'
import t, { type Test } from 'tap'
import { freePort } from '../scripts/free-port.ts'
import { admin, adminUrl, createTestDatabase } from './helpers/database.ts'
import { runEntryPoint, runProcess, type RunningProcess } from './helpers/process.ts'

const PASSWORD = `Pw-${randomBytes(6).toString('hex')}-distinctive`
const server = new URL(adminUrl()) // the real PostgreSQL the tests run on
const nowhere = await freePort() // nothing listens there

const BROKEN_URLS: Record<string, string> = {
  'not a postgres URL': `mysql://app:${PASSWORD}@127.0.0.1/app`,
  'a port that is not a number': `postgres://app:${PASSWORD}@127.0.0.1:notaport/app`,
  'unencoded / and @ in the password': `postgres://app:${PASSWORD}/x@y@127.0.0.1:5432/app`,
  'nothing listening on the port': `postgres://app:${PASSWORD}@127.0.0.1:${nowhere}/app`,
  'password as a query parameter': `postgres://app@127.0.0.1:${nowhere}/app?password=${PASSWORD}`,
  'a role the real server refuses': `postgres://no_such_role_${randomBytes(3).toString('hex')}:${PASSWORD}@${server.host}/postgres`
}

const root = path.resolve(import.meta.dirname, '..')
const ENTRIES = {
  'npm start': (env: NodeJS.ProcessEnv) => runEntryPoint(t, 'src/server.ts', env),
  'npm run worker': (env: NodeJS.ProcessEnv) => runEntryPoint(t, 'src/worker.ts', env),
  'npm run migrate': (env: NodeJS.ProcessEnv) => runEntryPoint(t, 'src/migrate.ts', env),
  'npm run queue-demo': (env: NodeJS.ProcessEnv) => runProcess(t, ['node', '--experimental-strip-types', path.join(root, 'src/queue-demo/main.ts'), '--name', 'q', '--client-name', 'c'], {
    cwd: root,
    env: { ...process.env, ...env }
  })
}

const quiet = (t: Test, run: RunningProcess, what: string) => {
  const output = run.output()
  t.notOk(output.includes(PASSWORD), `${what}: the password is not in its ${output.length} bytes of output`, { output: output.includes(PASSWORD) ? output : undefined })
  t.notOk(output.includes(encodeURIComponent(PASSWORD).slice(0, 12)), `${what}: nor a part of it`)
}

// Every broken URL for npm start; a malformed one, a wrong port and a refused role for the others
// (their configuration and connection errors take the same paths), to keep the processes few.
const CASES: Record<keyof typeof ENTRIES, string[]> = {
  'npm start': Object.keys(BROKEN_URLS),
  'npm run worker': ['a port that is not a number', 'nothing listening on the port', 'a role the real server refuses'],
  'npm run migrate': ['unencoded / and @ in the password', 'nothing listening on the port', 'a role the real server refuses'],
  'npm run queue-demo': ['not a postgres URL', 'nothing listening on the port', 'a role the real server refuses']
}

t.test('broken DATABASE_URLs: every entry point fails with a message, never with the password', async (t) => {
  const runs = Object.entries(ENTRIES).flatMap(([entry, start]) => CASES[entry as keyof typeof ENTRIES].map((kind) => ({
    what: `${entry}, ${kind}`,
    run: start({ DATABASE_URL: BROKEN_URLS[kind], LOG_LEVEL: 'trace', PORT: String(nowhere), MIGRATE_ON_START: 'true' })
  })))
  for (const { what, run } of runs) {
    const { code } = await run.exited
    t.equal(code, 1, `${what}: exits 1`)
    t.match(run.output(), /DATABASE_URL|database|connect/i, `${what}: says what is wrong`)
    quiet(t, run, what)
  }
})

t.test('a working DATABASE_URL with a password: a whole start, a request and a stop print no password', async (t) => {
  const role = `t_pw_${randomBytes(4).toString('hex')}`
  await admin((c) => c.query(`create role ${role} login superuser password '${PASSWORD}'`))
  const database = await createTestDatabase()
  t.teardown(async () => {
    await database.drop()
    await admin((c) => c.query(`drop role if exists ${role}`))
  })
  const url = new URL(database.url)
  url.username = role
  url.password = PASSWORD
  const port = await freePort()
  const api = runEntryPoint(t, 'src/server.ts', { DATABASE_URL: url.toString(), LOG_LEVEL: 'trace', PORT: String(port), WORKER_MODE: 'inline' })
  await api.waitForOutput(/TaskOverflow ready/)
  t.equal((await fetch(`http://127.0.0.1:${port}/api/v1/health`)).status, 200)
  t.equal((await fetch(`http://127.0.0.1:${port}/api/v1/todos/ical`, { method: 'POST' })).status, 202)
  api.child.kill('SIGTERM')
  t.same(await api.exited, { code: 0, signal: null })
  quiet(t, api, 'npm start')
})
