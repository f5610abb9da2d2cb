// Polls of feed URLs are rate-limited per client: a wrong-token scan is cut off with a JSON 429.
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'

const { app } = await buildTestApp(t, { FEED_RATE_LIMIT_PER_MINUTE: '5', WORKER_MODE: 'off' })

t.test('the sixth poll within a minute is a 429 with a JSON error', async (t) => {
  const statuses: number[] = []
  for (let i = 0; i < 6; i++) statuses.push((await app.inject({ method: 'GET', url: `/api/v1/feeds/${'x'.repeat(43)}.ics` })).statusCode)
  t.same(statuses, [404, 404, 404, 404, 404, 429])
  const res = await app.inject({ method: 'GET', url: `/api/v1/feeds/${'x'.repeat(43)}.ics` })
  t.match(res.json(), { error: /Too many requests: at most 5 a minute/ })
})
