// Input that used to slip through: JSON bodies that are not UTF-8 (stored altered, as U+FFFD, or
// read in the wrong charset) and request ids that are not ids (8 KB echoed and logged).
import { connect } from 'node:net'
import { Writable } from 'node:stream'
import t from 'tap'
import { sql } from 'kysely'
import { pino } from 'pino'
import { buildTestApp } from './helpers/app.ts'

const logLines: string[] = []
const logger = pino({ level: 'info' }, new Writable({ write (chunk, _encoding, done) { logLines.push(String(chunk)); done() } }))
const { app } = await buildTestApp(t, { WORKER_MODE: 'off' }, undefined, logger)

const todoCount = async () => Number((await sql<{ n: string }>`select count(*) as n from todos`.execute(app.db)).rows[0]!.n)
const json = (charset?: string) => ({ 'content-type': `application/json${charset === undefined ? '' : `; charset=${charset}`}` })
// {"title":"caf\xE9"}: é written in Latin-1, a lone byte that is not UTF-8.
const latin1Title = Buffer.concat([Buffer.from('{"title":"caf'), Buffer.from([0xe9]), Buffer.from('"}')])

t.test('a JSON body that is not valid UTF-8 is a 400 on every route that takes one, and nothing is stored', async (t) => {
  const created = (await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'kept' } })).json()
  const before = await todoCount()
  const broken = [
    latin1Title,
    Buffer.from([0x7b, 0x22, 0x74, 0x69, 0x74, 0x6c, 0x65, 0x22, 0x3a, 0x22, 0xf0, 0x9f, 0x98, 0x22, 0x7d]), // a truncated 4-byte emoji
    Buffer.from([0xed, 0xa0, 0x80]), // an encoded UTF-16 surrogate (CESU-8)
    Buffer.from([0xc0, 0xa2]) // an overlong '"'
  ]
  const routes = [['POST', '/api/v1/todos'], ['PUT', `/api/v1/todos/${created.id}`], ['POST', '/api/v1/todos/ical'], ['POST', '/api/v1/feeds']] as const
  for (const [method, url] of routes) {
    for (const payload of broken) {
      const res = await app.inject({ method, url, headers: json(), payload })
      t.equal(res.statusCode, 400, `${method} ${url} ${payload.toString('hex')}`)
      t.same(res.json(), { error: 'Request body is not valid UTF-8: send JSON encoded as UTF-8' })
    }
  }
  t.equal(await todoCount(), before, 'no todo added')
  t.equal((await app.inject({ method: 'GET', url: `/api/v1/todos/${created.id}` })).json().title, 'kept', 'no todo changed')
})

t.test('a charset other than UTF-8 is a 415, named in the error; UTF-8 in any spelling is taken', async (t) => {
  const before = await todoCount()
  const utf16 = Buffer.from('\ufeff{"title":"café"}', 'utf16le')
  const refused: Array<[string, Buffer]> = [
    ['utf-16', utf16], ['UTF-16LE', utf16], ['"utf-16"', utf16],
    ['latin1', latin1Title], ['ISO-8859-1', latin1Title], ['"iso-8859-1"', latin1Title], ['us-ascii', Buffer.from('{"title":"plain"}')]
  ]
  for (const [charset, payload] of refused) {
    for (const [method, url] of [['POST', '/api/v1/todos'], ['POST', '/api/v1/todos/ical']] as const) {
      const res = await app.inject({ method, url, headers: json(charset), payload })
      t.equal(res.statusCode, 415, `${url} charset=${charset}`)
      t.same(res.json(), { error: `Content-Type charset '${charset.replaceAll('"', '')}' is not supported: send the JSON body as UTF-8 (charset=utf-8, or no charset)` })
    }
  }
  t.equal(await todoCount(), before, 'no todo added')

  for (const charset of [undefined, 'utf-8', 'UTF-8', '"utf-8"', 'utf8']) {
    const res = await app.inject({ method: 'POST', url: '/api/v1/todos', headers: json(charset), payload: Buffer.from('{"title":"café ☕ 😀"}') })
    t.equal(res.statusCode, 201, `charset=${charset}`)
    t.equal(res.json().title, 'café ☕ 😀')
  }
  const malformed = await app.inject({ method: 'POST', url: '/api/v1/todos', headers: { 'content-type': 'application/json; charset' }, payload: '{"title":"x"}' })
  t.equal(malformed.statusCode, 400)
  t.match(malformed.json(), { error: /Content-Type 'application\/json; charset' is malformed/ })
  const poisoned = await app.inject({ method: 'POST', url: '/api/v1/todos', headers: json(), payload: '{"title":"x","__proto__":{"a":1}}' })
  t.equal(poisoned.statusCode, 400, 'prototype poisoning is still refused')
})

t.test('over a real socket: the raw bytes of a Latin-1 body get a 400 JSON error', async (t) => {
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const { port } = new URL(address)
  const before = await todoCount()
  const head = `POST /api/v1/todos HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: ${latin1Title.length}\r\nConnection: close\r\n\r\n`
  const response = await new Promise<string>((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1', () => socket.end(Buffer.concat([Buffer.from(head, 'latin1'), latin1Title])))
    const chunks: Buffer[] = []
    socket.on('data', (chunk) => chunks.push(chunk))
    socket.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    socket.on('error', reject)
  })
  t.match(response, /^HTTP\/1\.1 400 Bad Request\r\n/)
  t.match(response, /\r\ncontent-type: application\/json; charset=utf-8\r\n/i)
  t.ok(response.endsWith('{"error":"Request body is not valid UTF-8: send JSON encoded as UTF-8"}'), response)
  t.equal(await todoCount(), before, 'nothing stored')
})

t.test('x-request-id: a sane id is echoed and logged; a long or garbage one is replaced by a fresh UUID', async (t) => {
  const logsOf = (id: string) => logLines.filter((line) => line.includes(id))
  const sane = ['abc-123', 'Root.1:2_3-4', 'x'.repeat(64), '0f8fad5b-d9cb-469f-a165-70867728950e']
  for (const id of sane) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { 'x-request-id': id } })
    t.equal(res.headers['x-request-id'], id, `echoed: ${id}`)
    t.ok(logsOf(`"reqId":"${id}"`).length > 0, `logged: ${id}`)
  }
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
  const garbage = ['y'.repeat(8192), 'z'.repeat(65), 'has space', 'quote"me', '<script>alert(1)</script>', 'new\\nline', 'ümlaut', '']
  for (const id of garbage) {
    const res = await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { 'x-request-id': id } })
    t.equal(res.statusCode, 200)
    const given = res.headers['x-request-id']
    t.match(given, UUID, `replaced: ${id.slice(0, 20)}`)
    t.not(given, id)
    t.ok(logsOf(`"reqId":"${String(given)}"`).length > 0, 'logged under the fresh id')
    if (id !== '') t.same(logsOf(id), [], `never logged: ${id.slice(0, 20)}`)
  }
  const twice = await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { 'x-request-id': ['a1', 'b2'] } })
  t.match(twice.headers['x-request-id'], UUID, 'two x-request-id headers: a fresh id')
  const none = await app.inject({ method: 'GET', url: '/api/v1/todos' })
  t.match(none.headers['x-request-id'], UUID, 'none sent: a fresh UUID')
})
