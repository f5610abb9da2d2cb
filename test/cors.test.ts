// CORS: off by default (no Access-Control-* header on any answer); with CORS_ORIGINS, those origins
// and only those may call the API from a browser, preflight included, with the API token too.
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'

const ALLOWED = 'https://app.example'
const preflight = { method: 'OPTIONS' as const, url: '/api/v1/todos', headers: { origin: ALLOWED, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } }

t.test('off by default: no CORS headers, preflight included', async (t) => {
  const { app } = await buildTestApp(t, { WORKER_MODE: 'off' })
  const res = await app.inject(preflight)
  t.notOk(res.headers['access-control-allow-origin'])
  t.notOk(res.headers['access-control-allow-methods'])
  const get = await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { origin: ALLOWED } })
  t.equal(get.statusCode, 200)
  t.notOk(get.headers['access-control-allow-origin'])
})

t.test('with CORS_ORIGINS: the listed origins pass the preflight and read answers; others do not', async (t) => {
  const token = 'cors-test-token-0123456789'
  const { app } = await buildTestApp(t, { WORKER_MODE: 'off', CORS_ORIGINS: `${ALLOWED}, http://localhost:3000`, API_TOKEN: token })
  const res = await app.inject(preflight)
  t.equal(res.statusCode, 204, 'the preflight needs no token (browsers never send one with it)')
  t.equal(res.headers['access-control-allow-origin'], ALLOWED)
  t.match(res.headers['access-control-allow-methods'], /POST/)
  t.match(String(res.headers['access-control-allow-headers']).toLowerCase(), /authorization/)
  t.match(String(res.headers['access-control-allow-headers']).toLowerCase(), /content-type/)

  const get = await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { origin: 'http://localhost:3000', authorization: `Bearer ${token}` } })
  t.equal(get.statusCode, 200)
  t.equal(get.headers['access-control-allow-origin'], 'http://localhost:3000')
  t.match(get.headers.vary, /Origin/)

  const other = await app.inject({ ...preflight, headers: { ...preflight.headers, origin: 'https://evil.example' } })
  t.notOk(other.headers['access-control-allow-origin'], 'an origin not listed gets no CORS header')
  const otherGet = await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { origin: 'https://evil.example', authorization: `Bearer ${token}` } })
  t.notOk(otherGet.headers['access-control-allow-origin'])
  t.equal((await app.inject({ method: 'GET', url: '/api/v1/todos', headers: { origin: ALLOWED } })).statusCode, 401, 'CORS does not replace the token')
})
