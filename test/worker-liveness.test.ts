// A worker's liveness is its Postgres session (src/queue/liveness.ts), not a JavaScript heartbeat:
// a slow worker (long job, event loop blocked) is never taken for dead, and a worker whose session
// broke while it lives on drops its job, re-opens a session and does not crash. pg-boss's own
// supervision is set to once an hour (QUEUE_SUPERVISE_SECONDS=3600): only the sweep hands back.
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { sql } from 'kysely'
import { sweepOrphanedJobs } from '../src/queue/sweep.ts'
import { bossJobRow, livenessBackends, recoveryFixture, terminateBackend, waitForClaim } from './helpers/liveness.ts'
import { runEntryPoint, runProcess } from './helpers/process.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'
import { waitFor } from './helpers/wait.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')

const { app, config, db, env } = await recoveryFixture(t)

t.test('a slow worker (long job, event loop blocked for seconds) keeps its job', async (t) => {
  const worker = runProcess(t, ['node', '--experimental-strip-types', '--import', path.join(root, 'test/helpers/block-on-signal.ts'), path.join(root, 'src/worker.ts')], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env, ICAL_DELAY_MS: '3000', BLOCK_MS: '4000' }
  })
  await worker.waitForOutput(/calendar worker ready/)
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')
  await waitForClaim(db, id)
  worker.child.kill('SIGWINCH')
  await worker.waitForOutput(/event loop blocked/)
  // While its loop is blocked (no heartbeat, no reply to anything), its session is still there,
  // and every sweep, ours here and the API process's each second, leaves its job alone.
  const handedBack = []
  const sessions = new Set<number>()
  let sweeps = 0
  while (!/event loop unblocked/.test(worker.output())) {
    handedBack.push(...await sweepOrphanedJobs(db))
    for (const pid of await livenessBackends(worker.child.pid!)) sessions.add(pid)
    sweeps++
  }
  t.ok(sweeps > 1, `${sweeps} sweeps while it was blocked`)
  t.same(handedBack, [], 'none handed back its job')
  t.equal(sessions.size, 1, 'its one liveness session stayed')
  const done = await waitForStatus(app, id, 'SUCCESS')
  t.equal(done.retry_count, 0, 'completed by its first attempt')
  worker.child.kill('SIGTERM')
  t.same(await worker.exited, { code: 0, signal: null })
})

t.test('a worker whose liveness session broke lives on: drops its job, re-opens its session, the job completes once', async (t) => {
  const worker = runEntryPoint(t, 'src/worker.ts', { ...env, ICAL_DELAY_MS: '2000' })
  await worker.waitForOutput(/calendar worker ready/)
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')
  await waitForClaim(db, id)
  const [backend] = await livenessBackends(worker.child.pid!)
  await terminateBackend(backend!)

  await worker.waitForOutput(/liveness session lost/)
  await worker.waitForOutput(/calendar job stopped: cancelled, or handed back/)
  await worker.waitForOutput(/liveness session re-opened/)
  await waitFor(async () => (await livenessBackends(worker.child.pid!)).some((pid) => pid !== backend), 'a new liveness session')
  const done = await waitForStatus(app, id, 'SUCCESS')
  t.equal(done.retry_count, 1, 'the dropped attempt, then one that completed')
  t.equal((await bossJobRow(db, id)).retry_limit, config.jobs.retryLimit + 1, 'handed back, not failed: no retry used up')
  const { rows } = await sql<{ n: number }>`select count(*)::int as n from calendars where task_id = ${id}`.execute(db)
  t.equal(rows[0]!.n, 1, 'one calendar stored')
  t.equal(worker.child.exitCode, null, 'the worker did not crash')
  worker.child.kill('SIGTERM')
  t.same(await worker.exited, { code: 0, signal: null })
})
