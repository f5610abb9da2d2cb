// Property-based: generated path ids, query strings, bodies (JSON, near-JSON, raw bytes in any
// charset) and headers, sent to every route the app has (read from the app itself, so new routes
// are covered without editing this file). Whatever is sent: never a 5xx, every 4xx a JSON
// {"error": "..."}, and afterwards the database holds only rows that a request really sent.
// The seed is new each run and printed; FUZZ_SEED=<seed> replays a run.
import t from 'tap'
import fc from 'fast-check'
import { sql } from 'kysely'
import { buildTestApp } from './helpers/app.ts'
import { listRoutes } from './helpers/routes.ts'
import { waitFor } from './helpers/wait.ts'

// An inline worker: calendar jobs and feed renders run as they would in production.
const { app } = await buildTestApp(t, { WORKER_MODE: 'inline', FEED_RATE_LIMIT_PER_MINUTE: '100000' })

// GET /events is a Server-Sent Events stream: it never ends by design, so inject would wait for
// good (its bad input is tested in events.test.ts). Everything else is fuzzed.
const NEVER_ENDS = new Set(['GET /api/v1/events', 'HEAD /api/v1/events'])
const routes = listRoutes(app).filter((r) => !NEVER_ENDS.has(`${r.method} ${r.url}`))

// Real ids, so that generated requests also reach the handlers behind "not found".
const todo = (await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'seed todo', deadline_at: '2030-01-01T00:00:00' } })).json()
const task = (await app.inject({ method: 'POST', url: '/api/v1/todos/ical' })).json()
const feed = (await app.inject({ method: 'POST', url: '/api/v1/feeds', payload: { name: 'seed feed' } })).json()
// Until its first render a feed answers 503 "retry shortly" on purpose: fuzz it once it is there.
// (Once, in a parallel run, it was not rendered within the wait: should it happen again, say why.)
let lastAnswer = ''
await waitFor(async () => {
  const res = await app.inject({ method: 'GET', url: `/api/v1/feeds/${feed.token}.ics` })
  lastAnswer = `${res.statusCode} ${res.body.slice(0, 200)}`
  return res.statusCode === 200
}, 'the seed feed is rendered').catch(async (error: Error) => {
  const { rows } = await sql`select state, retry_count, start_after, output from pgboss.job where name = 'feed-render'`.execute(app.db)
  throw new Error(`${error.message}; the feed answered ${lastAnswer}; its render jobs: ${JSON.stringify(rows)}`)
})

const FIELDS = ['title', 'description', 'completed', 'deadline_at', 'name', 'filters', 'window', '__proto__', 'constructor', 'id']
const QUERY_KEYS = ['completed', 'window', 'wait', 'after', 'before', 'limit', 'status', 'last_event_id', 'after_id', 'x']

const text = fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.constantFrom('', ' ', '\u0000', '\ud800', '😀'.repeat(81), 'x'.repeat(121), '2023-02-30T00:00:00', '2023-02-27T10:00:00+10:00', '-1', '1e3', 'true', 'null'))
const jsonValue = fc.oneof(text, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 2 }))
const anyObject = fc.dictionary(fc.oneof(fc.constantFrom(...FIELDS), fc.string()), jsonValue, { maxKeys: 5 })
// Close to valid, so that many are stored and the stored rows can be checked.
const todoShaped = fc.record({
  title: fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }), text),
  description: fc.oneof(fc.string({ maxLength: 120 }), fc.constant(null), text),
  completed: fc.oneof(fc.boolean(), jsonValue),
  deadline_at: fc.oneof(fc.date({ noInvalidDate: true }).map((d) => d.toISOString().slice(0, 19)), text)
}, { requiredKeys: [] })
const feedShaped = fc.record({
  name: fc.oneof(fc.string({ maxLength: 80 }), text),
  filters: fc.record({ completed: fc.boolean(), window: fc.oneof(fc.nat(), jsonValue) }, { requiredKeys: [] })
}, { requiredKeys: [] })
const todoLike = fc.oneof(anyObject, { arbitrary: todoShaped, weight: 3 }, feedShaped)

// A body as bytes, with the Content-Type it is sent under (or none).
const body = fc.oneof(
  { arbitrary: todoLike.map((o) => Buffer.from(JSON.stringify(o))), weight: 4 },
  fc.json().map((s) => Buffer.from(s)),
  fc.string({ unit: 'binary' }).map((s) => Buffer.from(s)),
  fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)),
  todoLike.map((o) => Buffer.from(JSON.stringify(o), 'latin1')),
  todoLike.map((o) => Buffer.from(JSON.stringify(o), 'utf16le'))
)
const contentType = fc.option(fc.oneof(
  { arbitrary: fc.constant('application/json'), weight: 4 },
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'application/json; charset=UTF-16', 'application/json; charset="latin1"',
    'application/json; charset', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/*', ';;'),
  fc.string()
), { nil: undefined })

// A path parameter: a real id, or anything at all (encoded, so the request line stays valid).
const pathParam = fc.oneof(
  fc.constantFrom(String(todo.id), task.task_id, String(feed.feed.id), feed.token, '0', '-1', '1.5', '99999999999999999999', '%00', '..', 'null'),
  fc.string().map(encodeURIComponent),
  fc.string({ unit: 'binary' }).map(encodeURIComponent)
)
// Query values; a plain positive wait is left out, as it would hold the request for seconds.
// String() of a generated object throws when one of its keys is "toString" or "valueOf" with a
// value that is not a function (seed 2133244493): such an object goes as its JSON text instead.
const asQueryText = (value: unknown) => { try { return String(value) } catch { return JSON.stringify(value) } }
const queryValue = fc.oneof(jsonValue.map(asQueryText), fc.constantFrom('0', '', '-1', '31', '1e1', '0x1', ' 1', '05', 'true', 'false', task.task_id))
const query = fc.array(fc.tuple(fc.oneof(fc.constantFrom(...QUERY_KEYS), fc.string()), queryValue), { maxLength: 4 })
  .map((pairs) => new URLSearchParams(pairs.filter(([k, v]) => !(k === 'wait' && /^[1-9][0-9]*$/.test(v)))).toString())
const headerValue = fc.oneof(fc.string(), fc.constantFrom('x'.repeat(8192), '*', 'W/"x"', 'Thu, 01 Jan 1970 00:00:00 GMT', '-1', '99999999999999999999'))
  .map((v) => v.replace(/[^\t\x20-\x7e\x80-\xff]/g, '')) // what HTTP can carry in a header at all
const headers = fc.record({
  'x-request-id': headerValue,
  host: headerValue,
  'x-forwarded-host': headerValue,
  'if-none-match': headerValue,
  'if-modified-since': headerValue,
  'last-event-id': headerValue,
  accept: headerValue
}, { requiredKeys: [] })

const request = fc.record({
  route: fc.constantFrom(...routes),
  param: pathParam,
  query,
  body: fc.option(body, { nil: undefined }),
  contentType,
  headers
})

const seed = Number(process.env.FUZZ_SEED ?? Math.floor(Math.random() * 2 ** 31))
t.comment(`fuzz seed ${seed} (replay: FUZZ_SEED=${seed})`)
const sentStrings = new Set<string>(['seed todo', 'seed feed', 'kept for PUT'])
const collectStrings = (bytes: Buffer) => {
  try {
    JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes), (_key, value) => {
      if (typeof value === 'string') sentStrings.add(value)
      return value
    })
  } catch {} // not UTF-8 JSON: nothing from it may be stored
}

t.test('generated requests to every route: never a 5xx, every 4xx a JSON error', async (t) => {
  t.ok(routes.length >= 25, `${routes.length} routes`)
  let requests = 0
  const property = fc.asyncProperty(request, async ({ route, param, query, body, contentType, headers }) => {
    const url = route.url.replace(/:[a-z_]+|\*/g, param) + (query ? `?${query}` : '')
    const hasBody = body !== undefined && !['GET', 'HEAD'].includes(route.method)
    if (hasBody) collectStrings(body)
    const res = await app.inject({
      method: route.method as 'GET',
      url,
      headers: { ...headers, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
      ...(hasBody ? { payload: body } : {})
    })
    requests++
    const what = `${route.method} ${url} -> ${res.statusCode} ${res.body.slice(0, 200)}`
    if (res.statusCode >= 500) throw new Error(`5xx: ${what}`)
    if (res.statusCode >= 400) {
      if (!String(res.headers['content-type']).startsWith('application/json')) throw new Error(`4xx without JSON: ${what}`)
      if (route.method !== 'HEAD' && typeof res.json().error !== 'string') throw new Error(`4xx without {"error"}: ${what}`)
    }
  })
  // About 1,400 requests: a few seconds. The seed is in the failure message too.
  await fc.assert(property, { seed, numRuns: 20 * routes.length })
  t.comment(`${requests} requests`)
})

t.test('generated todos and feeds in any encoding and charset, to the routes that store them', async (t) => {
  let stored = 0
  const { id } = (await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'kept for PUT' } })).json()
  const encodings = ['utf8', 'latin1', 'utf16le'] as const
  const charsets = [undefined, 'utf-8', 'UTF-8', 'latin1', 'utf-16', '"utf8"'] as const
  const write = fc.record({
    target: fc.constantFrom('POST /api/v1/todos', 'PUT /api/v1/todos/:id', 'POST /api/v1/feeds'),
    todo: todoShaped,
    feed: feedShaped,
    encoding: fc.oneof({ arbitrary: fc.constant('utf8' as const), weight: 3 }, fc.constantFrom(...encodings)),
    charset: fc.constantFrom(...charsets)
  })
  await fc.assert(fc.asyncProperty(write, async ({ target, todo, feed, encoding, charset }) => {
    const [method, path] = target.split(' ') as ['POST' | 'PUT', string]
    const value = path.includes('feeds') ? feed : todo
    const payload = Buffer.from(JSON.stringify(value), encoding)
    collectStrings(payload)
    const res = await app.inject({
      method,
      url: path.replace(':id', String(id)),
      headers: { 'content-type': `application/json${charset ? `; charset=${charset}` : ''}` },
      payload
    })
    if (res.statusCode >= 500 || (res.statusCode >= 400 && typeof res.json().error !== 'string')) throw new Error(`${target} -> ${res.statusCode} ${res.body}`)
    if (res.statusCode < 300) stored++
  }), { seed, numRuns: 300 })
  t.ok(stored > 5, `${stored} of 300 stored`)
})

t.test('afterwards the database holds only valid rows, with text a request really sent', async (t) => {
  const { rows: todos } = await sql<{ id: number, title: string, description: string | null, completed: boolean, created_at: string, updated_at: string }>`
    select id, title, description, completed, created_at, updated_at from todos`.execute(app.db)
  const problems: string[] = []
  for (const row of todos) {
    const title = JSON.stringify(row.title).slice(0, 40)
    if (row.title.length < 1 || [...row.title].length > 80) problems.push(`todo ${row.id}: title ${title} is not 1-80 characters`)
    if (!sentStrings.has(row.title)) problems.push(`todo ${row.id}: title ${title} was never sent`)
    if (row.description !== null && !sentStrings.has(row.description)) problems.push(`todo ${row.id}: description ${JSON.stringify(row.description).slice(0, 40)} was never sent`)
    if (typeof row.completed !== 'boolean') problems.push(`todo ${row.id}: completed is ${String(row.completed)}`)
    if (row.created_at > row.updated_at) problems.push(`todo ${row.id}: updated before it was created`)
  }
  const { rows: feeds } = await sql<{ id: number, name: string }>`select id, name from feeds`.execute(app.db)
  for (const row of feeds) {
    if (!sentStrings.has(row.name) && row.name !== 'TaskOverflow todos') problems.push(`feed ${row.id}: name ${JSON.stringify(row.name).slice(0, 40)} was never sent`)
  }
  t.same(problems, [], 'every stored row is valid and holds text exactly as a request sent it')
  t.comment(`${todos.length} todos, ${feeds.length} feeds stored`)
})
