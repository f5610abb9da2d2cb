// The job monitor's API: every state change of a task lands in its timeline (from the API, the
// worker and pg-boss alike), tasks list with a status filter and keyset paging, counts per
// status, and FAILURE/REVOKED tasks can be retried. Real Postgres, real pg-boss, inline worker.
import t from 'tap'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import { processName } from '../src/process-name.ts'
import { buildTestApp } from './helpers/app.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'

// Retries come at once and are found within half a second; a job takes 300 ms, so it can be
// seen STARTED and cancelled.
const { app } = await buildTestApp(t, { JOB_RETRY_LIMIT: '1', JOB_RETRY_DELAY_SECONDS: '0', WORKER_POLL_SECONDS: '0.5', ICAL_DELAY_MS: '300' })
const me = processName('api')

const timeline = async (id: string) => {
  const res = await app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/timeline` })
  return { status: res.statusCode, body: res.json() }
}
const steps = (body: any) => body.events.map((e: any) => [e.task_status, e.attempt])
const retry = (id: string) => app.inject({ method: 'POST', url: `/api/v1/todos/ical/${id}/retry` })

t.test('a successful task: queued by the API, started and finished by the worker that had it', async (t) => {
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'SUCCESS')
  const { status, body } = await timeline(id)
  t.equal(status, 200)
  t.equal(body.task_id, id)
  t.same(steps(body), [['PENDING', 1], ['STARTED', 1], ['SUCCESS', 1]])
  t.match(body.events, [
    { worker: null, changed_by: me, error: null },
    { worker: me, changed_by: me, error: null },
    { worker: me, changed_by: me, error: null }
  ])
  const times = body.events.map((e: any) => e.at)
  t.same([...times].sort(), times, 'in time order')
  t.ok(body.events[0].seq < body.events[1].seq && body.events[1].seq < body.events[2].seq, 'seq increases')
})

t.test('a failing task: each attempt with its error, then a retry asked for by a person', async (t) => {
  // Data the worker refuses: every attempt fails the same way.
  const id = await app.boss.send(ICAL_QUEUE, { filters: { colour: 'red' } })
  t.ok(id)
  await waitForStatus(app, id!, 'FAILURE')
  let { body } = await timeline(id!)
  t.same(steps(body), [['PENDING', 1], ['STARTED', 1], ['RETRY', 1], ['STARTED', 2], ['FAILURE', 2]])
  t.match(body.events[2], { error: /invalid job data at \/filters/, worker: me })
  t.match(body.events[4], { error: /invalid job data/ })

  const res = await retry(id!)
  t.equal(res.statusCode, 200, 'retried, even if the worker has already taken it (or failed it) again')
  t.match(res.json().task_status, /^(RETRY|STARTED|FAILURE)$/)
  await waitForStatus(app, id!, 'FAILURE') // it fails again, on a third attempt
  ;({ body } = await timeline(id!))
  t.same(steps(body).slice(5), [['RETRY', 2], ['STARTED', 3], ['FAILURE', 3]])
  t.equal(body.events[5].error, null, 'the retry a person asked for carries no error')
  t.equal(body.events[5].changed_by, me)
})

t.test('a cancelled task is REVOKED in its timeline; retrying queues it again and it succeeds', async (t) => {
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/todos/ical/${id}` })).statusCode, 200)
  let { body } = await timeline(id)
  t.same(steps(body), [['PENDING', 1], ['STARTED', 1], ['REVOKED', 1]])

  const res = await retry(id)
  t.equal(res.statusCode, 200)
  t.match(res.json().task_status, /^(PENDING|STARTED)$/, 'queued again (a worker may have started it already)')
  await waitForStatus(app, id, 'SUCCESS')
  ;({ body } = await timeline(id))
  t.same(steps(body).slice(3), [['PENDING', 1], ['STARTED', 2], ['SUCCESS', 2]])
})

t.test('a retry from a stale view of a task that was retried already is refused, whatever the task is now', async (t) => {
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'STARTED')
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/todos/ical/${id}` })).statusCode, 200)
  const revoked = (await app.calendarTasks.find(id))!
  t.match(await app.calendarTasks.retry(revoked), { retried: true })
  // The same REVOKED view again (two people pressing Retry): pg-boss moves nothing this time.
  t.match(await app.calendarTasks.retry(revoked), { retried: false, status: /^(PENDING|STARTED|SUCCESS)$/ })
  await waitForStatus(app, id, 'SUCCESS')
  const { body } = await timeline(id)
  t.same(steps(body).slice(3), [['PENDING', 1], ['STARTED', 2], ['SUCCESS', 2]], 'queued again once')
})

t.test('retry refuses tasks that did not fail or were not cancelled; unknown tasks are 404', async (t) => {
  const { task_id: id } = await createTask(app)
  await waitForStatus(app, id, 'SUCCESS')
  const res = await retry(id)
  t.equal(res.statusCode, 409)
  t.same(res.json(), { error: 'Only a FAILURE or REVOKED task can be retried', task_status: 'SUCCESS' })
  for (const bad of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
    t.same((await retry(bad)).json(), { error: 'Task not found' })
    const tl = await timeline(bad)
    t.same(tl, { status: 404, body: { error: 'Task not found' } })
  }
})

t.test('list: newest first, status filter, keyset pages that stay stable while tasks are added', async (t) => {
  const ids: string[] = []
  for (let i = 0; i < 5; i++) ids.push((await createTask(app, '?window=3')).task_id)
  await Promise.all(ids.map((id) => waitForStatus(app, id, 'SUCCESS')))
  const list = async (query: string) => {
    const res = await app.inject({ method: 'GET', url: `/api/v1/todos/ical${query}` })
    t.equal(res.statusCode, 200, query)
    return res.json()
  }
  const first = await list('?status=SUCCESS&limit=2')
  t.same(first.tasks.map((x: any) => x.task_id), [ids[4], ids[3]])
  t.match(first.tasks[0], { task_status: 'SUCCESS', filters: { window: 3 }, attempts: 1 })
  t.ok(first.tasks[0].duration_ms >= 300, 'duration covers ICAL_DELAY_MS')
  t.ok(first.next)
  await createTask(app) // a newer task does not shift the next page
  const second = await list(`?status=SUCCESS&limit=2&before=${first.next}`)
  t.same(second.tasks.map((x: any) => x.task_id), [ids[2], ids[1]])

  const failed = await list('?status=FAILURE')
  t.ok(failed.tasks.length >= 1)
  t.ok(failed.tasks.every((x: any) => x.task_status === 'FAILURE' && /invalid job data/.test(x.error)))

  const counts = (await app.inject({ method: 'GET', url: '/api/v1/todos/ical/counts' })).json()
  t.same(Object.keys(counts).sort(), ['FAILURE', 'PENDING', 'RETRY', 'REVOKED', 'STARTED', 'SUCCESS'])
  const all = await list('?limit=100')
  t.equal(Object.values(counts).reduce((a: number, b) => a + Number(b), 0), all.tasks.length, 'counts add up to the tasks kept')
  t.equal(counts.SUCCESS, all.tasks.filter((x: any) => x.task_status === 'SUCCESS').length)

  for (const [query, error] of [
    ['?status=DONE', /query parameter status must be one of: PENDING/],
    ['?limit=0', /limit must be a whole number from 1 to 100/],
    ['?before=bm9wZQ', /not a cursor this API handed out/],
    ['?page=2', /unknown query parameter 'page'/]
  ] as const) {
    const res = await app.inject({ method: 'GET', url: `/api/v1/todos/ical${query}` })
    t.equal(res.statusCode, 400, query)
    t.match(res.json(), { error }, query)
  }
})
