// Subscription feeds (issue 14's goals), against the API as `npm start` runs it (inline worker):
// - freshness: an edit -> the feed serves it (poll every 10 ms), beside what a user would do
//   instead: queue a one-off calendar and wait for it (POST /todos/ical -> SUCCESS), in
//   alternating rounds;
// - bursts: 1,000 edits in about a second -> how many renders of the feed ran;
// - serving: GET /feeds/{token}.ics beside GET /todos/{id}, the cheapest read, alternating.
import pg from 'pg'
import type { Benchmark } from './context.ts'
import { request, requestJson } from './lib/http.ts'
import { startApi } from './lib/processes.ts'
import { summarize, type Result } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

const FEED_RENDER_QUEUE = 'feed-render'

export const feeds: Benchmark = async ({ server, smoke, log }) => {
  const rounds = smoke ? 1 : 5
  const perRound = smoke ? 2 : 10
  const burst = smoke ? 50 : 1000
  const reads = smoke ? 20 : 500
  const db = await server.createDatabase('feeds')
  // Polls far beyond a calendar app's: lift the per-client limit (it still runs on every request).
  const api = await startApi(db.url, { WORKER_POLL_SECONDS: '0.5', FEED_RATE_LIMIT_PER_MINUTE: '100000' })
  const client = new pg.Client({ connectionString: db.url })
  await client.connect()
  try {
    await seedTodos(db.url, 10)
    const { token } = JSON.parse((await request('POST', `${api.base}/feeds`, { name: 'bench' })).body) as { token: string }
    const feedUrl = `${api.base}/feeds/${token}.ics`
    const etag = async () => { const r = await request('GET', feedUrl); return r.status === 200 ? r.headers.etag : undefined }
    const newEtag = async (old: string | undefined) => {
      for (;;) {
        const now = await etag()
        if (now !== undefined && now !== old) return now
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    }
    let current = await newEtag(undefined)
    let edit = 0
    const freshness: number[] = []
    const oneOff: number[] = []
    log(`feeds: ${rounds} alternating rounds of ${perRound} edits -> feed, and ${perRound} one-off calendars`)
    for (let r = 0; r < rounds; r++) {
      for (let i = 0; i < perRound; i++) {
        const began = performance.now()
        const put = await request('PUT', `${api.base}/todos/1`, { title: `edit ${edit++}` })
        if (put.status !== 200) throw new Error(`PUT /todos/1: ${put.status} ${put.body}`)
        current = await newEtag(current)
        freshness.push(performance.now() - began)
      }
      for (let i = 0; i < perRound; i++) {
        const began = performance.now()
        const { task_url: url } = await requestJson<{ task_url: string }>('POST', `${api.base}/todos/ical`)
        const status = await requestJson<{ task_status: string }>('GET', `${url}?wait=30`)
        if (status.task_status !== 'SUCCESS') throw new Error(`one-off calendar ended ${status.task_status}`)
        oneOff.push(performance.now() - began)
      }
    }

    // A burst: `burst` edits from 20 clients at once; then wait until no render is left to run.
    const count = async () => Number((await client.query('select count(*) as n from pgboss.job where name = $1', [FEED_RENDER_QUEUE])).rows[0].n)
    const before = await count()
    const began = performance.now()
    let next = 0
    await Promise.all(Array.from({ length: 20 }, async () => {
      while (next < burst) { next++; await request('PUT', `${api.base}/todos/${1 + (next % 10)}`, { title: `burst ${next}` }) }
    }))
    const burstMs = performance.now() - began
    for (;;) {
      const { rows } = await client.query("select count(*) as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')", [FEED_RENDER_QUEUE])
      if (Number(rows[0].n) === 0) break
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
    const renders = (await count()) - before
    log(`feeds: ${burst} edits in ${Math.round(burstMs)} ms caused ${renders} renders`)

    const feedReads: number[] = []
    const todoReads: number[] = []
    for (let r = 0; r < rounds * 2; r++) {
      for (let i = 0; i < reads / (rounds * 2); i++) { const t0 = performance.now(); await request('GET', feedUrl); feedReads.push(performance.now() - t0) }
      for (let i = 0; i < reads / (rounds * 2); i++) { const t0 = performance.now(); await request('GET', `${api.base}/todos/1`); todoReads.push(performance.now() - t0) }
    }
    const fresh = summarize(freshness)
    const once = summarize(oneOff)
    const serve = summarize(feedReads)
    const get = summarize(todoReads)
    const results: Result[] = [
      { benchmark: 'feed freshness (edit -> feed serves it)', metric: 'p95', value: fresh.p95, unit: 'ms', baseline: { label: 'one-off calendar POST -> SUCCESS', value: once.p95 }, target: '<= 2000', note: `p50 ${fresh.p50.toFixed(1)} ms` },
      { benchmark: 'feed renders for a burst of edits', metric: `renders for ${burst} edits in ${Math.round(burstMs)} ms`, value: renders, unit: 'renders', target: '<= 5' },
      { benchmark: 'feed serving (GET /feeds/{token}.ics)', metric: 'p50', value: serve.p50, unit: 'ms', baseline: { label: 'GET /todos/{id}', value: get.p50 }, note: `p95 ${serve.p95.toFixed(2)} ms vs ${get.p95.toFixed(2)} ms` }
    ]
    return results
  } finally {
    await client.end()
    await api.stop()
  }
}
