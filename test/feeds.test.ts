// Calendar subscription feeds: created with a secret token, served from a stored snapshot with
// working validators, re-rendered through the queue in the same transaction as each todo change,
// revocable and rotatable.
import t from 'tap'
import { sql } from 'kysely'
import { FEED_RENDER_QUEUE } from '../src/feeds/queue.ts'
import { queueFeedRenders } from '../src/feeds/changes.ts'
import { storeFeedSnapshot } from '../src/feeds/repository.ts'
import { updateTodo, getTodo } from '../src/todos/repository.ts'
import { buildTestApp } from './helpers/app.ts'
import { parseEvents } from './helpers/ical.ts'
import { waitFor } from './helpers/wait.ts'

const { app } = await buildTestApp(t, { FEED_REFRESH_SECONDS: '1800', FEED_RATE_LIMIT_PER_MINUTE: '1000' })
const post = (url: string, payload?: object) => app.inject({ method: 'POST', url, ...(payload ? { payload } : {}) })
const feedGet = (token: string, headers: Record<string, string> = {}) => app.inject({ method: 'GET', url: `/api/v1/feeds/${token}.ics`, headers })

const lecture = (await post('/api/v1/todos', { title: 'Watch the lecture', description: 'on queues', deadline_at: '2023-02-27T00:00:00' })).json()
const prac = (await post('/api/v1/todos', { title: 'Do the practical', deadline_at: '2023-03-01T10:00:00', completed: true })).json()
await post('/api/v1/todos', { title: 'no deadline, no event' })

/** The feed once a worker has rendered a snapshot newer than `notEtag`. */
async function rendered (token: string, notEtag?: string) {
  let res = await feedGet(token)
  await waitFor(async () => {
    res = await feedGet(token)
    return res.statusCode === 200 && res.headers.etag !== notEtag
  }, 'a new snapshot')
  return res
}

const created = await post('/api/v1/feeds', { name: 'CSSE6400 todos' })
const { token, url, webcal_url: webcal, feed } = created.json()

t.test('POST /feeds: 201 with the token (shown once) and a webcal:// URL', async (t) => {
  t.equal(created.statusCode, 201)
  t.match(token, /^[A-Za-z0-9_-]{43}$/)
  t.equal(url, `http://localhost:80/api/v1/feeds/${token}.ics`, 'built from the request (PUBLIC_URL when set)')
  t.equal(webcal, url.replace('http:', 'webcal:'))
  const stored = await sql<{ token_hash: Buffer }>`select token_hash from feeds where id = ${feed.id}`.execute(app.db)
  t.equal(stored.rows[0]!.token_hash.length, 32, 'stored as a SHA-256, not the token')
  const list = (await app.inject({ method: 'GET', url: '/api/v1/feeds' })).json()
  t.notMatch(JSON.stringify(list), token, 'the list never shows a token')
})

t.test('the feed: a valid, deterministic calendar with the refresh hints and the right headers', async (t) => {
  const res = await rendered(token)
  t.equal(res.headers['content-type'], 'text/calendar; charset=utf-8')
  t.equal(res.headers['cache-control'], 'private, max-age=1800')
  t.equal(res.headers['x-robots-tag'], 'noindex')
  t.notOk(res.headers['content-disposition'], 'no attachment: calendar apps subscribe, they do not download')
  const events = parseEvents(res.body)
  t.same(events.map((e) => e.uid).sort(), [`todo-${lecture.id}@taskoverflow`, `todo-${prac.id}@taskoverflow`])
  for (const line of ['NAME:CSSE6400 todos', 'X-WR-CALNAME:CSSE6400 todos', 'REFRESH-INTERVAL;VALUE=DURATION:PT30M', 'X-PUBLISHED-TTL:PT30M', 'SEQUENCE:0']) {
    t.ok(res.body.includes(`${line}\r\n`), line)
  }
  t.notOk(res.body.split('\r\n').some((l) => Buffer.byteLength(l) > 75), 'every line folded at 75 octets')
  const again = await feedGet(token)
  t.equal(again.body, res.body, 'the same bytes when nothing changed')
  t.equal(again.headers.etag, res.headers.etag)
  const head = await app.inject({ method: 'HEAD', url: `/api/v1/feeds/${token}.ics` })
  t.equal(head.statusCode, 200)
  t.equal(head.headers.etag, res.headers.etag)
})

t.test('conditional polls: If-None-Match and If-Modified-Since answer 304', async (t) => {
  const res = await rendered(token)
  const etag = res.headers.etag as string
  const lastModified = res.headers['last-modified'] as string
  t.equal((await feedGet(token, { 'if-none-match': etag })).statusCode, 304)
  t.equal((await feedGet(token, { 'if-none-match': '"something-else"' })).statusCode, 200)
  t.equal((await feedGet(token, { 'if-modified-since': lastModified })).statusCode, 304)
  t.equal((await feedGet(token, { 'if-modified-since': 'Mon, 01 Jan 2001 00:00:00 GMT' })).statusCode, 200)
})

t.test('an edit reaches the feed through the queue: new bytes, new ETag, a higher SEQUENCE', async (t) => {
  const before = await rendered(token)
  t.equal((await app.inject({ method: 'PUT', url: `/api/v1/todos/${lecture.id}`, payload: { title: 'Rewatch the lecture' } })).statusCode, 200)
  const after = await rendered(token, before.headers.etag as string)
  const event = parseEvents(after.body).find((e) => e.uid === `todo-${lecture.id}@taskoverflow`)!
  t.equal(event.summary, 'Rewatch the lecture')
  t.ok(after.body.includes('SEQUENCE:1\r\n'), 'SEQUENCE rose')
  t.not(after.headers['last-modified'], undefined)
  // A deleted todo leaves the feed.
  await app.inject({ method: 'DELETE', url: `/api/v1/todos/${prac.id}` })
  const deleted = await rendered(token, after.headers.etag as string)
  t.same(parseEvents(deleted.body).map((e) => e.uid), [`todo-${lecture.id}@taskoverflow`])
})

t.test('a rolled-back change queues nothing and changes nothing', async (t) => {
  const count = async () => (await sql<{ n: number }>`select count(*)::int as n from pgboss.job where name = ${FEED_RENDER_QUEUE}`.execute(app.db)).rows[0]!.n
  const version = async () => (await sql<{ v: number }>`select wanted_version as v from feeds where id = ${feed.id}`.execute(app.db)).rows[0]!.v
  const [jobs, wanted] = [await count(), await version()]
  await t.rejects(app.db.transaction().execute(async (trx) => {
    const before = await getTodo(trx, lecture.id)
    const after = await updateTodo(trx, lecture.id, { title: 'never committed' })
    t.same(await queueFeedRenders(trx, app.boss, before, after), [feed.id], 'inside the transaction the render was queued')
    throw new Error('roll back')
  }), /roll back/)
  t.equal(await count(), jobs, 'no render job exists')
  t.equal(await version(), wanted, 'the feed did not move')
})

t.test('an older snapshot never replaces a newer one', async (t) => {
  const current = await rendered(token)
  const { rows } = await sql<{ v: number }>`select rendered_version as v from feeds where id = ${feed.id}`.execute(app.db)
  const stale = { body: 'BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n', etag: '"stale"', lastModified: '2020-01-01T00:00:00', eventCount: 0 }
  t.notOk(await storeFeedSnapshot(app.db, feed.id, rows[0]!.v - 1, stale), 'a render of an older version is refused')
  t.notOk(await storeFeedSnapshot(app.db, feed.id, rows[0]!.v, stale), 'so is a second render of the same version')
  t.equal((await feedGet(token)).body, current.body)
})

t.test('GET /feeds shows who polls and when', async (t) => {
  await feedGet(token, { 'user-agent': 'Google-Calendar-Importer' })
  // Recorded just after the answer (a poll itself is one read).
  let listed: any
  await waitFor(async () => {
    [listed] = (await app.inject({ method: 'GET', url: '/api/v1/feeds' })).json()
    return listed.last_user_agent === 'Google-Calendar-Importer'
  }, 'the poll is recorded')
  t.match(listed, { id: feed.id, name: 'CSSE6400 todos', last_user_agent: 'Google-Calendar-Importer', last_fetched_at: /^\d{4}-/ })
})

t.test('wrong tokens are a JSON 404; rotate gives a new token and kills the old; revoke kills it', async (t) => {
  for (const wrong of ['nope', 'A'.repeat(43)]) t.same((await feedGet(wrong)).json(), { error: 'Feed not found' })
  const second = (await post('/api/v1/feeds', { filters: { completed: false } })).json()
  await rendered(second.token)
  const rotated = await post(`/api/v1/feeds/${second.feed.id}/rotate`)
  t.equal(rotated.statusCode, 200)
  t.equal((await feedGet(second.token)).statusCode, 404, 'the old token is dead')
  t.equal((await feedGet(rotated.json().token)).statusCode, 200, 'the new one works')
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/feeds/${second.feed.id}` })).statusCode, 204)
  t.equal((await feedGet(rotated.json().token)).statusCode, 404, 'revoked')
  t.equal((await app.inject({ method: 'DELETE', url: `/api/v1/feeds/${second.feed.id}` })).statusCode, 404)
  t.equal((await post('/api/v1/feeds/99999/rotate')).statusCode, 404)
  t.equal((await post('/api/v1/feeds', { filters: { window: -1 } })).statusCode, 400)
})
