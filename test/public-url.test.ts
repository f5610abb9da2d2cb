// The URLs the API hands out (task_url, Location, result_url, feed URLs) are never built from an
// unchecked Host or X-Forwarded-Host: PUBLIC_URL, or a host in ALLOWED_HOSTS, or the address the
// server listens on (src/http/public-url.ts).
import t from 'tap'
import type { App } from '../src/app.ts'
import { checkedHost } from '../src/http/public-url.ts'
import { buildTestApp } from './helpers/app.ts'
import { createTestDatabase } from './helpers/database.ts'

const database = await createTestDatabase()
t.teardown(() => database.drop())

const EVIL = 'evil.example'

/** Every route that hands out a URL, with the headers given; every status, header and body, as text. */
async function everyAnswer (app: App, headers: Record<string, string>): Promise<{ text: string, taskUrl: string, feedUrl: string }> {
  const answers: string[] = []
  const call = async (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) => {
    const res = await app.inject({ method, url, headers, ...(payload ? { payload } : {}) })
    answers.push(`${method} ${url} ${res.statusCode} ${JSON.stringify(res.headers)} ${res.body}`)
    return res
  }
  const task = (await call('POST', '/api/v1/todos/ical')).json()
  await call('GET', `/api/v1/todos/ical/${task.task_id}/status`)
  await call('DELETE', `/api/v1/todos/ical/${task.task_id}`)
  await call('POST', `/api/v1/todos/ical/${task.task_id}/retry`)
  await call('GET', '/api/v1/todos/ical')
  await call('GET', `/api/v1/todos/ical/${task.task_id}/timeline`)
  const feed = (await call('POST', '/api/v1/feeds', { name: 'mine' })).json()
  await call('POST', `/api/v1/feeds/${feed.feed.id}/rotate`)
  await call('GET', '/api/v1/feeds')
  await call('GET', '/api/v1/nowhere')
  await call('GET', '/docs/json')
  return { text: answers.join('\n'), taskUrl: task.task_url, feedUrl: feed.url }
}

t.test('Host: evil.example never shows up in any answer, whatever TRUST_PROXY says', async (t) => {
  for (const trustProxy of ['false', 'true']) {
    const { app } = await buildTestApp(t, { WORKER_MODE: 'off', TRUST_PROXY: trustProxy }, database)
    const attempts: Array<Record<string, string>> = [
      { host: EVIL },
      { host: `${EVIL}:6400` },
      { host: 'localhost', 'x-forwarded-host': EVIL, 'x-forwarded-proto': 'https' },
      { host: `localhost@${EVIL}` },
      { host: `${EVIL}#localhost` }
    ]
    for (const headers of attempts) {
      const { text, taskUrl, feedUrl } = await everyAnswer(app, headers)
      t.notMatch(text, /evil/i, `TRUST_PROXY=${trustProxy} ${JSON.stringify(headers)}`)
      t.match(taskUrl, /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\/api\/v1\/todos\/ical\/[0-9a-f-]{36}\/status$/)
      t.match(feedUrl, /^http:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\/api\/v1\/feeds\/[^/]+\.ics$/)
    }
  }
})

t.test('an unknown host gets the address the server listens on', async (t) => {
  const { app } = await buildTestApp(t, { WORKER_MODE: 'off' }, database)
  const address = await app.listen({ host: '127.0.0.1', port: 0 })
  const res = await fetch(`${address}/api/v1/todos/ical`, { method: 'POST', headers: { 'x-forwarded-host': EVIL } })
  const viaIp = ((await res.json()) as { task_url: string }).task_url
  t.ok(viaIp.startsWith(`${address}/api/v1/todos/ical/`), viaIp)
  const res2 = await app.inject({ method: 'POST', url: '/api/v1/todos/ical', headers: { host: EVIL } })
  t.ok(res2.json().task_url.startsWith(`${address}/api/v1/`), 'inject, on a listening app: its address')
  t.equal(res2.headers.location, res2.json().task_url)
})

t.test('ALLOWED_HOSTS names the hosts that may be the base; PUBLIC_URL wins over all', async (t) => {
  const { app } = await buildTestApp(t, { WORKER_MODE: 'off', TRUST_PROXY: 'true', ALLOWED_HOSTS: 'todo.example.org,Other.Example:8443' }, database)
  const taskUrl = async (headers: Record<string, string>) => (await app.inject({ method: 'POST', url: '/api/v1/todos/ical', headers })).json().task_url as string
  t.match(await taskUrl({ host: 'todo.example.org:6400' }), /^http:\/\/todo\.example\.org:6400\/api\/v1\/todos\/ical\//)
  t.match(await taskUrl({ 'x-forwarded-host': 'todo.example.org', 'x-forwarded-proto': 'https' }), /^https:\/\/todo\.example\.org\/api\/v1\//)
  t.match(await taskUrl({ host: 'other.example:8443' }), /^http:\/\/other\.example:8443\//)
  t.match(await taskUrl({ host: 'other.example:8444' }), /^http:\/\/127\.0\.0\.1:6400\//, 'another port of a name:port entry: not allowed')
  t.match(await taskUrl({ host: 'localhost:6400' }), /^http:\/\/127\.0\.0\.1:6400\//, 'the defaults are replaced')

  const { app: published } = await buildTestApp(t, { WORKER_MODE: 'off', ALLOWED_HOSTS: '*', PUBLIC_URL: 'https://todo.example.com' }, database)
  const res = await published.inject({ method: 'POST', url: '/api/v1/todos/ical', headers: { host: EVIL } })
  t.match(res.json().task_url, /^https:\/\/todo\.example\.com\/api\/v1\/todos\/ical\//)
})

t.test('checkedHost takes host[:port] only, and only when allowed', async (t) => {
  const defaults = ['localhost', '127.0.0.1', '[::1]']
  t.equal(checkedHost('localhost:6400', defaults), 'localhost:6400')
  t.equal(checkedHost('LOCALHOST', defaults), 'localhost')
  t.equal(checkedHost('[::1]:8080', defaults), '[::1]:8080')
  t.equal(checkedHost('localhost:80', defaults), 'localhost:80')
  for (const header of [undefined, '', EVIL, `localhost@${EVIL}`, `localhost/${EVIL}`, `localhost:80/${EVIL}`, 'localhost?x', 'localhost#x', 'localhost:99999', 'local host', 'localhost.', '127.0.0.1.evil.example']) {
    t.equal(checkedHost(header, defaults), undefined, String(header))
  }
  t.equal(checkedHost(EVIL, ['*']), EVIL, '* allows any host (only behind a proxy that checks Host itself)')
})
