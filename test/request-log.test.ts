// The one log line per request: a feed's URL is the feed's credential (calendar apps cannot send
// headers), so its token never reaches the log; every other URL is logged as it came.
import { Writable } from 'node:stream'
import { pino } from 'pino'
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'

const lines: string[] = []
const logger = pino({ level: 'info' }, new Writable({
  write (chunk: Buffer, _encoding, done) { lines.push(...chunk.toString().split('\n').filter(Boolean)); done() }
}))
const { app } = await buildTestApp(t, { WORKER_MODE: 'off' }, undefined, logger)

t.test('a feed fetch is logged without its token', async (t) => {
  const { token } = (await app.inject({ method: 'POST', url: '/api/v1/feeds', payload: { name: 'mine' } })).json()
  t.match(token, /^[A-Za-z0-9_-]{20,}$/)
  lines.length = 0
  await app.inject({ method: 'GET', url: `/api/v1/feeds/${token}.ics?x=1` })
  const requestLines = lines.map((line) => JSON.parse(line)).filter((line) => line.msg === 'request')
  t.equal(requestLines.length, 1, 'one line for the request')
  t.equal(requestLines[0].url, '/api/v1/feeds/<token>.ics?x=1')
  t.notOk(lines.some((line) => line.includes(token)), 'the token appears in no log line')
})

t.test('other URLs are logged as they came', async (t) => {
  lines.length = 0
  await app.inject({ method: 'GET', url: '/api/v1/todos?completed=true' })
  t.match(lines.map((line) => JSON.parse(line)), [{ msg: 'request', url: '/api/v1/todos?completed=true' }])
})
