// A worker killed mid-job (SIGKILL: no chance to hand the job back) loses nothing even without
// liveness sessions (WORKER_LIVENESS=false, as behind PgBouncer; with them, see
// crash-recovery.test.ts): its job stops getting heartbeats, pg-boss's supervision fails it into
// RETRY, and another worker completes it. QUEUE_SUPERVISE_SECONDS=1 (default 60) makes the
// supervision pass notice the dead worker as soon as the heartbeat (10 s, pg-boss's minimum) has lapsed.
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'
import { runEntryPoint } from './helpers/process.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'

const queueEnv = { QUEUE_SUPERVISE_SECONDS: '1', JOB_RETRY_DELAY_SECONDS: '0', WORKER_LIVENESS: 'false' }
const { app, database } = await buildTestApp(t, { WORKER_MODE: 'off', ...queueEnv })
await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'lecture', deadline_at: '2023-02-27T00:00:00' } })

t.test('a SIGKILLed worker\'s job is retried by another worker and reaches SUCCESS', async (t) => {
  const env = { DATABASE_URL: database.url, ...queueEnv }
  const doomed = runEntryPoint(t, 'src/worker.ts', { ...env, ICAL_DELAY_MS: '600000' })
  await doomed.waitForOutput(/calendar worker ready/)
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')

  doomed.child.kill('SIGKILL')
  t.same(await doomed.exited, { code: null, signal: 'SIGKILL' }, 'killed, no graceful stop')
  const killedAt = Date.now()
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/status` })).json().task_status, 'STARTED',
    'pg-boss does not know yet: the job still looks active')

  const rescuer = runEntryPoint(t, 'src/worker.ts', env)
  await rescuer.waitForOutput(/calendar worker ready/)
  const done = await waitForStatus(app, id, 'SUCCESS', 45_000)
  const recoveryMs = Date.now() - killedAt
  t.comment(`recovered ${(recoveryMs / 1000).toFixed(1)} s after SIGKILL`)
  t.equal(done.retry_count, 1, 'the killed attempt counted as one retry')
  t.equal(done.result.events, 1)
  t.ok(recoveryMs < 40_000, `noticed by supervision, not by JOB_EXPIRE_SECONDS (900 s): ${recoveryMs} ms`)
  rescuer.child.kill('SIGTERM')
  t.same(await rescuer.exited, { code: 0, signal: null })
})
