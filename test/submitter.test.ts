// Queuing jobs in groups: every job queued once, with its own id, and a busy moment takes far
// fewer INSERTs than jobs.
import t from 'tap'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import { JobSubmitter } from '../src/queue/submitter.ts'
import { startTestQueue } from './helpers/queue.ts'

const { config, boss } = await startTestQueue(t, 'api')

// Count the INSERTs the submitter makes (the real method still runs).
let inserts = 0
const insert = boss.insert.bind(boss)
boss.insert = async (...args: Parameters<typeof boss.insert>) => {
  inserts++
  return insert(...args)
}
const submitter = new JobSubmitter(boss, ICAL_QUEUE)

t.test('one job alone is queued at once', async (t) => {
  inserts = 0
  const id = await submitter.submit({ filters: { window: 3 } })
  t.equal(inserts, 1)
  const [job] = await boss.findJobs(ICAL_QUEUE, { id })
  t.match(job, { id, state: 'created', data: { filters: { window: 3 } }, retryLimit: config.jobs.retryLimit })
})

t.test('300 at once: each queued exactly once with its own data, in far fewer INSERTs', async (t) => {
  inserts = 0
  const ids = await Promise.all(Array.from({ length: 300 }, (_, i) => submitter.submit({ filters: { window: i } })))
  t.equal(new Set(ids).size, 300)
  t.ok(inserts < 30, `${inserts} INSERTs for 300 jobs`)
  const jobs = await boss.findJobs<{ filters: { window: number } }>(ICAL_QUEUE, { queued: true, limit: 1000 })
  const byId = new Map(jobs.map((job) => [job.id, job]))
  ids.forEach((id, i) => t.equal(byId.get(id)?.data.filters.window, i))
})

t.test('a failing INSERT rejects every job it held, and the next ones still go through', async (t) => {
  const failing = new JobSubmitter(boss, 'no-such-queue')
  await t.rejects(Promise.all([failing.submit({}), failing.submit({})]))
  t.ok(await submitter.submit({ filters: {} }))
})
