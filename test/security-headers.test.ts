// Security headers (helmet) on every answer: the page, Swagger UI, the API, errors. That the CSP
// lets both pages work is shown in a real browser (test/browser.test.ts); here, that it is sent.
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'

const { app } = await buildTestApp(t, { WORKER_MODE: 'off' })

t.test('every kind of answer carries them', async (t) => {
  for (const url of ['/', '/js/app.js', '/docs/', '/docs/json', '/api/v1/todos', '/api/v1/health/live', '/api/v1/nope', '/metrics']) {
    const res = await app.inject({ method: 'GET', url })
    const csp = String(res.headers['content-security-policy'])
    t.match(csp, /default-src 'self'/, `${url}: CSP`)
    t.match(csp, /script-src 'self';/, `${url}: scripts from this origin only, no inline or eval`)
    t.match(csp, /object-src 'none'/)
    t.match(csp, /frame-ancestors 'none'/)
    t.notMatch(csp, /upgrade-insecure-requests/, 'plain HTTP deployments keep working')
    t.equal(res.headers['x-content-type-options'], 'nosniff', url)
    t.equal(res.headers['x-frame-options'], 'DENY', url)
    t.match(res.headers['strict-transport-security'], /max-age=\d+/, url)
    t.equal(res.headers['referrer-policy'], 'no-referrer', url)
    t.equal(res.headers['cross-origin-opener-policy'], 'same-origin', url)
    t.notOk(res.headers['x-powered-by'])
  }
})
