// Clients that take too long or go away, against a real listening server (raw sockets, so the
// request is exactly as broken as we say): a body that never completes gets a 408 JSON answer and
// a closed socket; headers that never complete get Node's 408; a client that leaves mid-body is
// logged as what it is, never as "database unavailable".
import net from 'node:net'
import { Writable } from 'node:stream'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import t from 'tap'
import { buildApp } from '../src/app.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { createTestDatabase } from './helpers/database.ts'
import { waitFor } from './helpers/wait.ts'

// Without the timeouts a hanging exchange would wait for good: fail instead.
t.setTimeout(60_000)
const database = await createTestDatabase()
t.teardown(() => database.drop())
const lines: Array<{ level: number, msg: string, [key: string]: unknown }> = []
const logger = pino({ level: 'info' }, new Writable({
  write (chunk: Buffer, _encoding, done) {
    for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line))
    done()
  }
}))
const config = withDatabaseUrl(loadConfig({
  WORKER_MODE: 'off', HTTP_BODY_TIMEOUT_MS: '300', HTTP_REQUEST_TIMEOUT_MS: '1000', SHUTDOWN_TIMEOUT_MS: '2000'
}), database.url)
const app = await buildApp(config, { logger })
t.teardown(() => app.close())
await app.listen({ host: '127.0.0.1', port: 0 })
const { port } = app.server.address() as AddressInfo

/** Send `text` on a fresh connection and collect everything until the server closes it. */
function exchange (text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.write(text))
    let received = ''
    socket.on('data', (chunk) => { received += chunk.toString() })
    socket.on('end', () => resolve(received))
    socket.on('error', reject)
  })
}

t.test('a body that never completes: 408 with a JSON error, and the connection is closed', async (t) => {
  const answer = await exchange('POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"ti')
  t.match(answer, /^HTTP\/1\.1 408 /)
  t.match(answer, /\r\nconnection: close\r\n/i)
  const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))
  t.match(body, { error: /Request body not received within 300 ms/ })
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/todos' })).body, '[]', 'nothing was stored')
})

t.test('a chunked body that never ends: the same 408', async (t) => {
  const answer = await exchange('POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n{"ti\r\n')
  t.match(answer, /^HTTP\/1\.1 408 /)
})

// Requests answered without their body being read: Fastify reads none for GET, and answers at
// once when no parser takes the Content-Type (a 400 here) or the announced body is too large (413). The
// body timer must not outlive them: its error had no listener there and ended the process
// (this test process, here). Each exchange lasts until Node's request timeout (1 s) closes the
// connection, well after the 300 ms body timer would have fired.
for (const [what, request, status] of [
  ['a GET announcing a body it never sends', 'GET /api/v1/health/live HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n', 200],
  ['a body no parser takes, never completed', 'POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nContent-Type: text/plain\r\nContent-Length: 100\r\n\r\nhalf', 400],
  ['a body announced too large, never completed', 'POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 5000000\r\n\r\n{"ti', 413]
] as const) {
  t.test(`${what}: answered ${status}, and the server lives on`, async (t) => {
    const answer = await exchange(request)
    t.match(answer, new RegExp(`^HTTP/1\\.1 ${status} `))
    const res = await fetch(`http://127.0.0.1:${port}/api/v1/health/live`)
    t.equal(res.status, 200, 'still serving')
  })
}

t.test('headers that never complete: Node answers 408 and closes', async (t) => {
  const answer = await exchange('GET /api/v1/health HTTP/1.1\r\nHost: x\r\n')
  t.match(answer, /^HTTP\/1\.1 408 /)
})

t.test('a prompt request is unaffected', async (t) => {
  const body = '{"title":"on time"}'
  const answer = await exchange(`POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`)
  t.match(answer, /^HTTP\/1\.1 201 /)
})

t.test('a client that disconnects mid-body is logged as such, never as a database fault', async (t) => {
  lines.length = 0
  await new Promise<void>((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write('POST /api/v1/todos HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"title":"half', () => {
        socket.destroy()
        resolve()
      })
    })
  })
  // (Before the fix, this request was logged at error level as 'database unavailable'.)
  await waitFor(() => lines.some((l) => /client closed|database unavailable/.test(l.msg)), 'the disconnect is logged')
  t.notOk(lines.some((l) => /database/i.test(l.msg)), 'no line speaks of the database')
  const line = lines.find((l) => l.msg === 'client closed the connection before its request was read')!
  t.ok(line, 'logged as the client leaving')
  t.equal(line?.level, 30, 'at info level: nothing is wrong with the service')
  t.notOk(lines.some((l) => l.level >= 50), 'nothing at error level')
})
