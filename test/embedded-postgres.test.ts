// The embedded PostgreSQL default: a real server from npm, data that survives restarts, one
// owner at a time, recovery after a crash; and `npm start` + `npm run worker` on top of it,
// as on a machine with no Postgres at all.
import { existsSync } from 'node:fs'
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises'
import { spawnSync } from 'node:child_process'
import path from 'node:path'
import t from 'tap'
import pg from 'pg'
import { effectiveDataDir, findRunningEmbeddedPostgres, startEmbeddedPostgres } from '../src/db/embedded/index.ts'
import { createLogger } from '../src/logger.ts'
import { freePort } from '../scripts/free-port.ts'
import { runEntryPoint } from './helpers/process.ts'
import { sharedTempDir } from './helpers/tmp.ts'

const logger = createLogger('silent')
const json = (res: Response): Promise<any> => res.json()

async function query (url: string, text: string) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text)).rows
  } finally {
    await client.end()
  }
}

t.test('starts a real Postgres on 127.0.0.1, keeps its data, refuses a second owner, stops', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  const port = await freePort()
  const first = await startEmbeddedPostgres({ dataDir, port, logger })
  t.match(first.url, new RegExp(`^postgres://postgres:[^@]+@127\\.0\\.0\\.1:${port}/taskoverflow$`))
  const [{ version }] = await query(first.url, "select current_setting('server_version_num')::int as version")
  t.ok(version >= 130000, `PostgreSQL ${version} (pg-boss needs 13+)`)
  const [{ addresses }] = await query(first.url, "select current_setting('listen_addresses') as addresses")
  t.equal(addresses, '127.0.0.1')
  await query(first.url, 'create table kept (x int); insert into kept values (42)')

  await t.rejects(startEmbeddedPostgres({ dataDir, port: await freePort(), logger }),
    { message: new RegExp(`already run by process ${process.pid}.*DATABASE_URL`) })
  t.equal(await findRunningEmbeddedPostgres(dataDir), first.url, 'others can find and join it')

  await first.stop()
  t.notOk(existsSync(`${dataDir}.json`), 'the state file goes with it')
  t.notOk(existsSync(path.join(dataDir, 'postmaster.pid')), 'the server is down')
  t.equal(await findRunningEmbeddedPostgres(dataDir), undefined)

  const second = await startEmbeddedPostgres({ dataDir, port, logger })
  t.same(await query(second.url, 'select x from kept'), [{ x: 42 }], 'data survived the restart')
  await second.stop()
})

t.test('recovers from a crash: a dead owner and an orphaned server', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  const port = await freePort()
  const crashed = await startEmbeddedPostgres({ dataDir, port, logger })
  // Pretend the owner died without stopping Postgres: its pid is gone, the server still runs.
  const dead = spawnSync(process.execPath, ['-e', 'process.pid']).pid!
  const state = JSON.parse(await readFile(`${dataDir}.json`, 'utf8'))
  await writeFile(`${dataDir}.json`, JSON.stringify({ ...state, pid: dead }))
  t.equal(await findRunningEmbeddedPostgres(dataDir), undefined, 'a dead owner is nobody to join')

  const recovered = await startEmbeddedPostgres({ dataDir, port, logger })
  t.same(await query(recovered.url, 'select 1 as ok'), [{ ok: 1 }])
  t.equal(recovered.url, crashed.url)
  await recovered.stop()
})

t.test('npm start with no DATABASE_URL; npm run worker joins it; SIGTERM stops both cleanly', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  const port = await freePort()
  const env = { EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(port), WORKER_MODE: 'off' }
  const server = runEntryPoint(t, 'src/server.ts', env)
  t.match(await server.waitForOutput(/DATABASE_URL is not set/), /using an embedded PostgreSQL on 127\.0\.0\.1:\d+ with its data in .*set DATABASE_URL=/)
  await server.waitForOutput(/TaskOverflow ready/)

  const worker = runEntryPoint(t, 'src/worker.ts', env)
  t.match(await worker.waitForOutput(/joining the embedded PostgreSQL/), /npm start/)
  await worker.waitForOutput(/calendar worker ready/)

  const api = `http://127.0.0.1:${port}/api/v1`
  t.same(await (await fetch(`${api}/health`)).json(), { status: 'ok' })
  await fetch(`${api}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'embedded', deadline_at: '2023-02-27T00:00:00' }) })
  const { task_url: taskUrl } = await json(await fetch(`${api}/todos/ical`, { method: 'POST' }))
  const status = await json(await fetch(`${taskUrl}?wait=20`))
  t.match(status, { task_status: 'SUCCESS', result: { events: 1 } })
  t.match(await (await fetch(status.result_url)).text(), /SUMMARY:embedded/)

  worker.child.kill('SIGTERM')
  t.same(await worker.exited, { code: 0, signal: null })
  server.child.kill('SIGTERM')
  t.same(await server.exited, { code: 0, signal: null })
  t.notOk(existsSync(path.join(dataDir, 'postmaster.pid')), 'Postgres stopped with the API')
  t.notOk(existsSync(`${dataDir}.json`))
})

t.test('as root, a default data directory the postgres user cannot reach moves to /var/lib/taskoverflow', { skip: process.getuid?.() !== 0 && 'needs root' }, async (t) => {
  const closed = path.join(await sharedTempDir(t), 'home')
  await mkdir(path.join(closed, 'checkout'), { recursive: true })
  await chmod(closed, 0o700)
  const dataDir = path.join(closed, 'checkout', '.data', 'postgres')
  const moved = effectiveDataDir(dataDir, false)
  t.match(moved, /^\/var\/lib\/taskoverflow\/checkout-[0-9a-f]{8}\/postgres$/)
  t.equal(effectiveDataDir(dataDir, false), moved, 'the same place every time')
  t.equal(effectiveDataDir(dataDir, true), dataDir, 'an explicit EMBEDDED_PG_DATA_DIR is respected')
  const open = path.join(await sharedTempDir(t), '.data', 'postgres')
  t.equal(effectiveDataDir(open, false), open, 'a reachable default stays where it is')
})
