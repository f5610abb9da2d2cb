// The database goes away while clients are queuing calendars, and comes back. Every request is
// answered 202 (queued: the job is committed) or 503 (not queued, say so), never 500; and every
// task that was answered 202 is built after the restore: nothing accepted is lost.
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'
import { createTestDatabase } from './helpers/database.ts'
import { waitForStatus } from './helpers/tasks.ts'
import { startTcpProxy } from './helpers/tcp-proxy.ts'
import { waitFor } from './helpers/wait.ts'

// The app reaches its database through a proxy the test can cut.
const database = await createTestDatabase()
const target = new URL(database.url)
const proxy = await startTcpProxy(target.hostname, Number(target.port || 5432))
const viaProxy = new URL(database.url)
viaProxy.host = `127.0.0.1:${proxy.port}`
// A job whose worker lost the database mid-run stays active until its heartbeat lapses (10 s);
// a 1 s supervision pass then hands it back at once (default 60 s), and it is retried at once.
const { app } = await buildTestApp(t, {
  WORKER_MODE: 'inline',
  QUEUE_SUPERVISE_SECONDS: '1',
  JOB_RETRY_DELAY_SECONDS: '0',
  LOG_LEVEL: process.env.DEBUG_LOG ?? 'silent'
}, { ...database, url: viaProxy.toString() })
t.teardown(async () => {
  await proxy.close()
  await database.drop()
})

await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'lecture', deadline_at: '2023-02-27T00:00:00' } })

t.test('queuing through an outage: 202 or 503, never 500, and every 202 reaches SUCCESS', async (t) => {
  const accepted: string[] = []
  const answers = new Map<number, number>()
  const unexpected: string[] = []
  let refused = 0
  const stop = new AbortController()
  // Four clients queue one calendar after another, without pause, until told to stop.
  const client = async () => {
    while (!stop.signal.aborted) {
      const res = await app.inject({ method: 'POST', url: '/api/v1/todos/ical' })
      answers.set(res.statusCode, (answers.get(res.statusCode) ?? 0) + 1)
      if (res.statusCode === 202) accepted.push(res.json().task_id)
      else if (res.statusCode === 503 && /database cannot be reached/.test(res.json().error)) refused++
      else unexpected.push(`${res.statusCode} ${res.body}`)
    }
  }
  const clients = Array.from({ length: 4 }, client)

  await waitFor(() => accepted.length >= 20, 'requests queued before the outage', { timeoutMs: 20_000 })
  await proxy.cut()
  const acceptedBeforeCut = accepted.length
  await waitFor(() => refused >= 20, 'requests refused during the outage', { timeoutMs: 20_000 })
  await proxy.restore()
  const acceptedBeforeRestore = accepted.length
  await waitFor(() => accepted.length >= acceptedBeforeRestore + 20, 'requests queued again after the restore', { timeoutMs: 30_000 })
  stop.abort()
  await Promise.all(clients)

  t.comment(`answers: ${JSON.stringify(Object.fromEntries(answers))}; ${acceptedBeforeCut} accepted before the cut`)
  t.same(unexpected, [], 'only 202s and 503s with a JSON error')
  t.ok(refused >= 20, `${refused} refused with 503 during the outage`)

  const statuses = await Promise.all(accepted.map((id) => waitForStatus(app, id, 'SUCCESS', 60_000).then((s) => s.task_status, (e: Error) => e.message)))
  const notDone = statuses.filter((s) => s !== 'SUCCESS')
  t.same(notDone, [], `all ${accepted.length} accepted tasks reached SUCCESS`)
  t.equal(new Set(accepted).size, accepted.length, 'each accepted task has its own id')
})
