// Crash recovery by liveness sessions (src/queue/liveness.ts, sweep.ts): a worker process killed
// mid-job (SIGKILL), standalone or an API process working jobs inline, and a new worker started
// after it. pg-boss's own supervision is set to once an hour here (QUEUE_SUPERVISE_SECONDS=3600)
// and the heartbeat is 10 s: a job that comes back within the test can only have been handed back
// by the sweep (it also leaves its mark: retry_limit one higher, no "heartbeat timeout" output).
import t, { type Test } from 'tap'
import { bossJobRow, recoveryFixture, waitForClaim } from './helpers/liveness.ts'
import { runEntryPoint, type RunningProcess } from './helpers/process.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'

const { app, config, db, env } = await recoveryFixture(t)

async function killedMidJobThenRescued (t: Test, doomed: RunningProcess) {
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')
  await waitForClaim(db, id)
  doomed.child.kill('SIGKILL')
  t.same(await doomed.exited, { code: null, signal: 'SIGKILL' }, 'killed, no graceful stop')
  const killedAt = Date.now()
  // The new worker's start-up is part of the recovery time; its job takes 1 s.
  const rescuer = runEntryPoint(t, 'src/worker.ts', { ...env, ICAL_DELAY_MS: '1000' })
  const done = await waitForStatus(app, id, 'SUCCESS', 20_000)
  t.comment(`SUCCESS ${((Date.now() - killedAt) / 1000).toFixed(1)} s after SIGKILL (new worker start-up and a 1 s job included)`)
  t.equal(done.retry_count, 1, 'the second attempt')
  t.equal(done.result.events, 1)
  const row = await bossJobRow(db, id)
  t.equal(row.retry_limit, config.jobs.retryLimit + 1, 'handed back by the sweep: the crash did not use up a retry')
  t.notMatch(JSON.stringify(row.output), /heartbeat timeout/)
  rescuer.child.kill('SIGTERM')
  t.same(await rescuer.exited, { code: 0, signal: null })
}

t.test('a SIGKILLed worker\'s job is handed back by the sweep and a new worker completes it', async (t) => {
  const doomed = runEntryPoint(t, 'src/worker.ts', { ...env, ICAL_DELAY_MS: '600000' })
  await doomed.waitForOutput(/calendar worker ready/)
  await killedMidJobThenRescued(t, doomed)
})

t.test('the same for an API process that works jobs inline (WORKER_MODE=inline)', async (t) => {
  const doomed = runEntryPoint(t, 'src/server.ts', { ...env, PORT: '0', WORKER_MODE: 'inline', ICAL_DELAY_MS: '600000' })
  await doomed.waitForOutput(/calendar worker running in the API process/)
  await killedMidJobThenRescued(t, doomed)
})
