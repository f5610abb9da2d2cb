// POST /todos/ical is rate-limited per client address (ICAL_RATE_LIMIT_PER_MINUTE, 60 by default):
// one client cannot flood the queue and the calendar store; others are not held back by it.
import t from 'tap'
import { loadConfig } from '../src/config.ts'
import { buildTestApp } from './helpers/app.ts'

const { app } = await buildTestApp(t, { ICAL_RATE_LIMIT_PER_MINUTE: '3', WORKER_MODE: 'off' })
const post = (remoteAddress = '127.0.0.1') => app.inject({ method: 'POST', url: '/api/v1/todos/ical', remoteAddress })

t.test('on by default, at 60 a minute per client', async (t) => {
  t.equal(loadConfig({}).security.icalRateLimitPerMinute, 60)
})

t.test('the fourth calendar within a minute is a 429 with a JSON error and Retry-After', async (t) => {
  const statuses = []
  for (let i = 0; i < 3; i++) statuses.push((await post()).statusCode)
  t.same(statuses, [202, 202, 202])
  const refused = await post()
  t.equal(refused.statusCode, 429)
  t.match(refused.json(), { error: /^Too many requests: at most 3 a minute; retry in (1 minute|\d+ seconds?)$/ })
  t.match(refused.headers['retry-after'], /^\d+$/)
  t.ok(Number(refused.headers['retry-after']) > 0 && Number(refused.headers['retry-after']) <= 60, 'Retry-After is within the minute')
  t.equal(refused.headers['x-ratelimit-limit'], '3')
  const queued = await app.inject({ method: 'GET', url: '/api/v1/todos/ical/counts' })
  t.equal(queued.json().PENDING, 3, 'the refused request queued nothing')
})

t.test('another client is not held back, nor are other routes', async (t) => {
  t.equal((await post('10.0.0.2')).statusCode, 202)
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/todos' })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'not limited' } })).statusCode, 201)
})

t.test('0 turns the limit off', async (t) => {
  const { app: unlimited } = await buildTestApp(t, { ICAL_RATE_LIMIT_PER_MINUTE: '0', WORKER_MODE: 'off' })
  for (let i = 0; i < 5; i++) t.equal((await unlimited.inject({ method: 'POST', url: '/api/v1/todos/ical' })).statusCode, 202)
  t.notOk((await unlimited.inject({ method: 'POST', url: '/api/v1/todos/ical' })).headers['x-ratelimit-limit'])
})
