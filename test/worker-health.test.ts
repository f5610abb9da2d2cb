// `npm run worker` with WORKER_HTTP_PORT: a real worker process whose database goes away and
// comes back behind a proxy the test cuts. GET /health follows: 200, 503, 200; and without the
// setting no listener starts.
import t from 'tap'
import { freePort } from '../scripts/free-port.ts'
import { createTestDatabase } from './helpers/database.ts'
import { runEntryPoint } from './helpers/process.ts'
import { startTcpProxy } from './helpers/tcp-proxy.ts'
import { waitFor } from './helpers/wait.ts'

const database = await createTestDatabase()
const target = new URL(database.url)
const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
const viaProxy = new URL(database.url)
viaProxy.host = `127.0.0.1:${proxy.port}`
t.teardown(async () => {
  await proxy.close()
  await database.drop()
})

interface Health { status: number, body: { status: string, database: string, last_fetch_at: string | null, error?: string } }

async function health (port: number): Promise<Health> {
  const res = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(5000) })
  return { status: res.status, body: await res.json() as Health['body'] }
}

/** Asks until the answer satisfies `done` (a condition with a deadline, not a fixed wait). */
async function healthUntil (port: number, done: (h: Health) => boolean, what: string): Promise<Health> {
  let answer: Health | undefined
  await waitFor(async () => done(answer = await health(port)), what, { everyMs: 100 })
  return answer!
}

t.test('200 while the database answers, 503 while it is gone, 200 when it is back', async (t) => {
  const port = await freePort()
  const worker = runEntryPoint(t, 'src/worker.ts', { DATABASE_URL: viaProxy.toString(), WORKER_HTTP_PORT: String(port), SHUTDOWN_TIMEOUT_MS: '5000', WORKER_CONCURRENCY: '3' })
  await worker.waitForOutput(/calendar worker ready/)
  t.match(worker.output(), /worker health listener on http:\/\/127\.0\.0\.1:\d+\/health/)

  // The fetch loops ask the queue at once on start, so a last fetch time appears soon.
  const up = await healthUntil(port, (h) => h.body.last_fetch_at !== null, 'a first fetch')
  t.match(up, { status: 200, body: { status: 'ok', database: 'up' } })
  const fetchedAt = Date.parse(up.body.last_fetch_at!)
  t.ok(Math.abs(Date.now() - fetchedAt) < 60_000, `last_fetch_at is a recent time: ${up.body.last_fetch_at}`)
  const metrics = await fetch(`http://127.0.0.1:${port}/metrics`)
  t.equal(metrics.status, 200)
  t.match(await metrics.text(), /^taskoverflow_worker_slots\{queue="ical"\} 3$/m, 'the same listener serves this worker\'s metrics')

  await proxy.cut()
  const down = await healthUntil(port, (h) => h.status !== 200, 'not 200 with the database cut')
  t.match(down, { status: 503, body: { status: 'unavailable', database: 'down', error: 'Database unavailable' } })

  await proxy.restore()
  const back = await healthUntil(port, (h) => h.status === 200, '200 with the database back')
  t.match(back, { status: 200, body: { status: 'ok', database: 'up' } })
  const later = await healthUntil(port, (h) => h.body.last_fetch_at !== null && Date.parse(h.body.last_fetch_at) > fetchedAt, 'a fetch after the outage')
  t.ok(Date.parse(later.body.last_fetch_at!) > fetchedAt, 'the fetch loops run again after the outage')

  worker.child.kill('SIGTERM')
  t.same(await worker.exited, { code: 0, signal: null }, 'SIGTERM: exits 0 with the listener open')
  await t.rejects(health(port), 'the listener is closed')
})

t.test('without WORKER_HTTP_PORT there is no listener', async (t) => {
  const worker = runEntryPoint(t, 'src/worker.ts', { DATABASE_URL: database.url, SHUTDOWN_TIMEOUT_MS: '5000' })
  await worker.waitForOutput(/calendar worker ready/)
  t.notMatch(worker.output(), /health listener/)
  worker.child.kill('SIGTERM')
  t.same(await worker.exited, { code: 0, signal: null })
})
