// GET /todos streamed page by page, and its optional keyset pages (?limit=&after_id=): the same
// bytes as one JSON array built in memory, filters and order kept, clear 400s, and a database
// failure after the first page breaks the response instead of ending a truncated array as a 200.
import http from 'node:http'
import type { AddressInfo } from 'node:net'
import t from 'tap'
import { sql } from 'kysely'
import { buildTestApp } from './helpers/app.ts'

const { app } = await buildTestApp(t, { WORKER_MODE: 'off' })

const FIELDS = ['id', 'title', 'description', 'completed', 'deadline_at', 'created_at', 'updated_at'] as const

/** n todos: every third completed, every second with a deadline spread around now, some descriptions with quotes and emoji. */
async function seed (n: number) {
  await sql`truncate todos restart identity`.execute(app.db)
  await sql`insert into todos (title, description, completed, deadline_at)
    select 'todo ' || i, case when i % 5 = 0 then 'say "hi" ✓ 🎉 ' || i end, i % 3 = 0,
           case when i % 2 = 0 then (now() at time zone 'utc') + make_interval(days => (i % 20) - 10) end
    from generate_series(1, ${n}) as i`.execute(app.db)
}

/** What the old in-memory listing answered: the rows in id order, serialized as one array. */
async function expected (where = sql`true`) {
  const rows = await sql<Record<string, unknown>>`select * from todos where ${where} order by id`.execute(app.db)
  return JSON.stringify(rows.rows.map((row) => Object.fromEntries(FIELDS.map((f) => [f, row[f]]))))
}

const get = (url: string) => app.inject({ method: 'GET', url: `/api/v1${url}` })

t.test('an empty list is []', async (t) => {
  await seed(0)
  const res = await get('/todos')
  t.equal(res.statusCode, 200)
  t.equal(res.headers['content-type'], 'application/json; charset=utf-8')
  t.equal(res.body, '[]')
  t.equal((await get('/todos?completed=true&window=3')).body, '[]')
})

t.test('a list of several pages: the same bytes as one array, filters and order kept', async (t) => {
  await seed(2500)
  const all = await get('/todos')
  t.equal(all.statusCode, 200)
  t.equal(all.body, await expected(), 'every todo, in id order, each field as the Todo schema writes it')
  t.equal(all.json().length, 2500)
  t.equal((await get('/todos?completed=true')).body, await expected(sql`completed`))
  t.equal((await get('/todos?completed=false')).body, await expected(sql`not completed`))
  t.equal((await get('/todos?window=3')).body,
    await expected(sql`deadline_at <= (now() at time zone 'utc') + make_interval(days => 3)`))
  t.equal((await get('/todos?completed=false&window=0')).body,
    await expected(sql`not completed and deadline_at <= (now() at time zone 'utc')`))
})

t.test('keyset pages: limit, after_id and a relative Link to the next page, filters kept', async (t) => {
  await seed(2500)
  const seen: unknown[] = []
  let url: string | undefined = '/api/v1/todos?completed=false&limit=700'
  const links: string[] = []
  while (url !== undefined) {
    const res = await app.inject({ method: 'GET', url })
    t.equal(res.statusCode, 200)
    seen.push(...res.json())
    const link = res.headers.link as string | undefined
    if (link !== undefined) links.push(link)
    url = link === undefined ? undefined : /^<([^>]+)>; rel="next"$/.exec(link)?.[1]
  }
  t.equal(JSON.stringify(seen), await expected(sql`not completed`), 'the pages together are the whole filtered list')
  t.equal(links.length, 2, '1,667 open todos: pages of 700, 700 and 267; the last has no Link')
  t.match(links[0], /^<\/api\/v1\/todos\?completed=false&limit=700&after_id=\d+>; rel="next"$/, 'relative, never from the Host header')

  const exact = await get('/todos?limit=1000&after_id=1500')
  t.equal(exact.json().length, 1000)
  t.equal(exact.headers.link, undefined, 'no next page when the page holds the last todo')
  t.same((await get('/todos?limit=2&after_id=2498')).json().map((x: { id: number }) => x.id), [2499, 2500])
  t.same((await get('/todos?limit=5&after_id=2147483647')).json(), [])
})

t.test('limit and after_id are checked: clear 400s', async (t) => {
  const cases: Array<[string, RegExp]> = [
    ['limit=0', /query parameter limit must be a whole number of todos from 1 to 1000/],
    ['limit=1001', /query parameter limit must be a whole number of todos from 1 to 1000/],
    ['limit=ten', /query parameter limit must be a whole number/],
    ['limit=5&after_id=-1', /query parameter after_id must be a whole number of ids from 0 to 2147483647/],
    ['limit=5&after_id=2147483648', /query parameter after_id must be/],
    ['after_id=5', /after_id needs limit/],
    ['limit=5&before=3', /unknown query parameter 'before'/]
  ]
  for (const [query, message] of cases) {
    const res = await get(`/todos?${query}`)
    t.equal(res.statusCode, 400, query)
    t.match(res.json(), { error: message }, query)
  }
})

t.test('a database failure mid-stream breaks the response: never a truncated array sent as complete', async (t) => {
  await seed(100_000) // about 18 MB of JSON: far more than the socket buffers hold while the client pauses
  await app.listen({ port: 0, host: '127.0.0.1' })
  const { port } = app.server.address() as AddressInfo
  let renamed = false
  t.teardown(async () => { if (renamed) await sql`alter table todos_gone rename to todos`.execute(app.db) })

  const outcome = await new Promise<{ complete: boolean, tail: string, status: number }>((resolve) => {
    http.get({ host: '127.0.0.1', port, path: '/api/v1/todos', agent: false }, (res) => {
      let tail = ''
      let paused = false
      res.on('data', (chunk: Buffer) => {
        tail = (tail + chunk.toString('latin1')).slice(-20)
        if (paused) return
        // After the first bytes the client stops reading, so the server stops at its socket
        // buffers; the table goes away, then reading resumes: a later page must fail.
        paused = true
        res.pause()
        sql`alter table todos rename to todos_gone`.execute(app.db).then(() => { renamed = true; res.resume() }, () => {})
      })
      res.on('end', () => resolve({ complete: res.complete, tail, status: res.statusCode ?? 0 }))
      res.on('error', () => resolve({ complete: false, tail, status: res.statusCode ?? 0 }))
      res.on('aborted', () => resolve({ complete: false, tail, status: res.statusCode ?? 0 }))
      res.on('close', () => resolve({ complete: res.complete, tail, status: res.statusCode ?? 0 }))
    })
  })
  t.equal(outcome.status, 200, 'the failure came after the status was sent')
  t.equal(outcome.complete, false, 'the response is cut: the client knows it is incomplete')
  t.notMatch(outcome.tail, /\]$/, 'the array was never closed')
})
