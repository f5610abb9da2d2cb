// What a newcomer meets on a first run: every mistake gets one clear line naming the setting to
// change (never a password), a busy port is found before anything starts, and two Ctrl-Cs never
// leave the embedded PostgreSQL running.
import { existsSync, readFileSync } from 'node:fs'
import { createServer, type Server } from 'node:net'
import path from 'node:path'
import t, { type Test } from 'tap'
import { freePort } from '../scripts/free-port.ts'
import { createTestDatabase } from './helpers/database.ts'
import { runEntryPoint } from './helpers/process.ts'
import { sharedTempDir } from './helpers/tmp.ts'
import { waitFor } from './helpers/wait.ts'

async function squat (t: Test): Promise<number> {
  const server: Server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())))
  return (server.address() as { port: number }).port
}

const isAlive = (pid: number) => {
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

t.test('a busy PORT: named at once, before the database starts', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  const port = await squat(t)
  const server = runEntryPoint(t, 'src/server.ts', { PORT: String(port), EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()) })
  t.same(await server.exited, { code: 1, signal: null })
  t.match(server.output(), new RegExp(`127\\.0\\.0\\.1:${port} is already in use.*set PORT to a free port`))
  t.notOk(existsSync(dataDir), 'no embedded PostgreSQL was created or started')
})

t.test('a busy EMBEDDED_PG_PORT: named, and nothing is left running or locked', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  const pgPort = await squat(t)
  const server = runEntryPoint(t, 'src/server.ts', { PORT: String(await freePort()), EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(pgPort) })
  t.same(await server.exited, { code: 1, signal: null })
  t.match(server.output(), new RegExp(`127\\.0\\.0\\.1:${pgPort} is already in use.*set EMBEDDED_PG_PORT to a free port`))
  t.notMatch(server.output(), /pg_ctl|server\.log/, 'no dump of pg_ctl\'s log')
  t.notOk(existsSync(path.join(dataDir, 'postmaster.pid')), 'no server started')
  t.notOk(existsSync(`${dataDir}.json`), 'no lock left behind')
})

t.test('a wrong DATABASE_URL: the setting, host and port and the likely cause, never the password', async (t) => {
  const closed = await freePort()
  const refused = `postgres://someone:s3cretPassw0rd@127.0.0.1:${closed}/todos`
  for (const entry of ['src/server.ts', 'src/worker.ts', 'src/migrate.ts'] as const) {
    const run = runEntryPoint(t, entry, { DATABASE_URL: refused, PORT: String(await freePort()) })
    t.same(await run.exited, { code: 1, signal: null }, `${entry} exits 1`)
    t.match(run.output(), new RegExp(`Could not connect to the database at someone@127\\.0\\.0\\.1:${closed}/todos \\(DATABASE_URL\\): nothing is listening there`), entry)
    t.notMatch(run.output(), /s3cretPassw0rd/, `${entry} never prints the password`)
  }
  const database = await createTestDatabase('first_run')
  t.teardown(() => database.drop())
  const missing = new URL(database.url)
  missing.pathname = '/no_such_database_here'
  const run = runEntryPoint(t, 'src/migrate.ts', { DATABASE_URL: missing.toString() })
  t.same(await run.exited, { code: 1, signal: null })
  t.match(run.output(), /\/no_such_database_here \(DATABASE_URL\): no such database on that server/)
})

t.test('Ctrl-C twice during a job: the process exits and the embedded PostgreSQL is stopped too', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  const port = await freePort()
  const server = runEntryPoint(t, 'src/server.ts', {
    PORT: String(port), EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), ICAL_DELAY_MS: '600000', SHUTDOWN_TIMEOUT_MS: '60000'
  })
  await server.waitForOutput(/TaskOverflow ready/, 60_000)
  const postmasterPid = Number(readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n')[0])
  const api = `http://127.0.0.1:${port}/api/v1`
  const json = async (res: Promise<Response>): Promise<any> => (await res).json()
  const { task_id: id } = await json(fetch(`${api}/todos/ical`, { method: 'POST' }))
  await waitFor(async () => (await json(fetch(`${api}/todos/ical/${id}/status`))).task_status === 'STARTED', 'the job runs')
  server.child.kill('SIGINT')
  await server.waitForOutput(/shutting down/)
  server.child.kill('SIGINT')
  t.same(await server.exited, { code: 1, signal: null }, 'the second Ctrl-C exits at once (the job would take 10 minutes)')
  t.match(server.output(), /second SIGINT: stopping at once/)
  // pg_ctl returned once the server removed its pid file; the process itself is gone a moment later.
  await waitFor(() => !isAlive(postmasterPid), 'the postmaster exits', { timeoutMs: 10_000 })
  t.notOk(isAlive(postmasterPid), 'no postgres of that data directory is left')
  t.notOk(existsSync(`${dataDir}.json`), 'its lock is released, so the next start is a clean one')
})

t.test('a worker joined to the embedded database: one line when `npm start` stops, one when it is back, then it works', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  const port = await freePort()
  const env = { EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(port), WORKER_MODE: 'off', WORKER_POLL_SECONDS: '0.5' }
  const first = runEntryPoint(t, 'src/server.ts', env)
  await first.waitForOutput(/TaskOverflow ready/, 60_000)
  const worker = runEntryPoint(t, 'src/worker.ts', env)
  await worker.waitForOutput(/calendar worker ready/, 60_000)

  first.child.kill('SIGTERM')
  t.same(await first.exited, { code: 0, signal: null })
  await worker.waitForOutput(/embedded PostgreSQL of the running `npm start` cannot be reached .*waiting for it to come back/)
  const second = runEntryPoint(t, 'src/server.ts', env)
  await second.waitForOutput(/TaskOverflow ready/, 60_000)
  await worker.waitForOutput(/is reachable again/, 30_000)
  const outage = worker.output().slice(worker.output().indexOf('cannot be reached'))
  t.equal(worker.output().split('cannot be reached').length - 1, 1, 'the outage is said once')
  t.notMatch(outage.slice(0, outage.indexOf('reachable again')), /"level":50/, 'no error lines (stack traces) meanwhile')

  const api = `http://127.0.0.1:${port}/api/v1`
  const json = async (res: Promise<Response>): Promise<any> => (await res).json()
  const { task_id: id } = await json(fetch(`${api}/todos/ical`, { method: 'POST' }))
  t.equal((await json(fetch(`${api}/todos/ical/${id}/status?wait=20`))).task_status, 'SUCCESS', 'the worker does jobs again')
  worker.child.kill('SIGTERM')
  await worker.exited
  second.child.kill('SIGTERM')
  t.same(await second.exited, { code: 0, signal: null })
})
