// Configuration: read once, validated, defaults documented; a bad value stops start-up with a
// message naming the variable.
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { ConfigError, EnvSchema, loadConfig } from '../src/config.ts'
import { runEntryPoint } from './helpers/process.ts'

t.test('defaults', async (t) => {
  const config = loadConfig({}, '/srv/app')
  t.same(config.http, {
    host: '127.0.0.1',
    port: 6400,
    publicUrl: undefined,
    allowedHosts: ['localhost', '127.0.0.1', '[::1]'],
    trustProxy: false,
    requestTimeoutMs: 30_000,
    bodyTimeoutMs: 10_000,
    maxEventLoopDelayMs: 1000
  })
  t.same(config.database, { url: undefined, poolMax: 10, poolQueueMax: 100, ssl: { mode: 'off', caFile: undefined }, preparedStatements: true, migrateOnStart: true })
  t.same(config.embedded, { dataDir: '/srv/app/.data/postgres', port: 54329, explicitDataDir: false })
  t.equal(loadConfig({ EMBEDDED_PG_DATA_DIR: 'pg' }, '/srv/app').embedded.dataDir, '/srv/app/pg')
  t.equal(loadConfig({ EMBEDDED_PG_DATA_DIR: 'pg' }, '/srv/app').embedded.explicitDataDir, true)
  t.equal(config.worker.mode, 'inline')
  t.equal(config.worker.httpPort, undefined, 'no worker health listener unless asked')
  t.equal(config.jobs.retentionDays, 7)
  t.equal(config.jobs.icalDelayMs, 0)
  t.equal(config.calendar.prodId, '-//Taskoverflow Calendar//mxm.dk//')
})

t.test('values are converted and checked', async (t) => {
  const config = loadConfig({ PORT: ' 8080 ', TRUST_PROXY: 'true', MIGRATE_ON_START: 'false', WORKER_MODE: 'off', DATABASE_URL: 'postgresql://u:p@db:5432/app', PUBLIC_URL: 'https://x.example/', HOST: '' })
  t.equal(config.http.port, 8080)
  t.equal(config.http.host, '127.0.0.1', 'an empty variable counts as unset')
  t.equal(config.http.trustProxy, true)
  t.equal(config.http.publicUrl, 'https://x.example')
  t.equal(config.database.migrateOnStart, false)
  t.equal(loadConfig({ DATABASE_PREPARED_STATEMENTS: 'false' }).database.preparedStatements, false)
  t.equal(config.worker.mode, 'off')
  t.equal(config.database.url, 'postgresql://u:p@db:5432/app')
  t.equal(loadConfig({ WORKER_HTTP_PORT: '6401' }).worker.httpPort, 6401)
  t.equal(loadConfig({ WORKER_HTTP_PORT: '' }).worker.httpPort, undefined, 'empty: off')
})

t.test('every problem is reported, naming the variable and the value', async (t) => {
  const cases: Array<[NodeJS.ProcessEnv, RegExp]> = [
    [{ PORT: 'abc' }, /PORT="abc": Expected integer \(HTTP port\)/],
    [{ PORT: '70000' }, /PORT="70000": Expected integer to be less or equal to 65535/],
    [{ PORT: '17404.5' }, /PORT="17404.5": Expected integer \(HTTP port\)/],
    [{ PORT: '1e3' }, /PORT="1e3": Expected integer/],
    [{ PORT: '0x10' }, /PORT="0x10": Expected integer/],
    [{ WORKER_BATCH_SIZE: '10 jobs' }, /WORKER_BATCH_SIZE="10 jobs": Expected integer/],
    [{ WORKER_POLL_SECONDS: '1e1' }, /WORKER_POLL_SECONDS="1e1": Expected number/],
    [{ WORKER_POLL_SECONDS: 'Infinity' }, /WORKER_POLL_SECONDS="Infinity": Expected number/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL="loud": must be one of fatal, error, warn, info, debug, trace, silent/],
    [{ WORKER_MODE: 'sometimes' }, /WORKER_MODE="sometimes": must be one of inline, off/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL="mysql:\/\/x"/],
    [{ ICAL_DELAY_MS: '-1' }, /ICAL_DELAY_MS="-1"/],
    [{ WORKER_HTTP_PORT: 'health' }, /WORKER_HTTP_PORT="health": Expected integer/],
    [{ DATABASE_SSL: 'verify' }, /DATABASE_SSL=verify needs DATABASE_URL/]
  ]
  for (const [env, message] of cases) {
    t.throws(() => loadConfig(env), new ConfigError(''), JSON.stringify(env))
    t.throws(() => loadConfig(env), { message }, JSON.stringify(env))
  }
  t.throws(() => loadConfig({ PORT: 'abc', JOB_RETRY_LIMIT: 'x' }), { message: /PORT="abc"[\s\S]*JOB_RETRY_LIMIT="x"/ })
  t.throws(() => loadConfig({ PORT: '1.5' }), { message: 'Invalid configuration:\n  PORT="1.5": Expected integer (HTTP port)' }, 'said once')
})

t.test('plain numbers are accepted as written', async (t) => {
  const config = loadConfig({ PORT: '+8080', WORKER_POLL_SECONDS: '0.75', SHUTDOWN_TIMEOUT_MS: '0' })
  t.equal(config.http.port, 8080)
  t.equal(config.worker.pollSeconds, 0.75)
  t.equal(config.worker.shutdownTimeoutMs, 0)
})

t.test('an empty variable counts as unset: the default applies', async (t) => {
  const config = loadConfig({ PORT: '', WORKER_POLL_SECONDS: ' ', LOG_LEVEL: '' })
  t.equal(config.http.port, 6400)
  t.equal(config.logLevel, 'info')
})

t.test('every variable is described, in the schema and in the README table', async (t) => {
  const readme = await readFile(new URL('../README.md', import.meta.url), 'utf8')
  for (const [name, schema] of Object.entries(EnvSchema.properties)) {
    t.ok(schema.description, `${name} is described`)
    t.match(readme, new RegExp(`^\\| \`${name}\` \\|`, 'm'), `${name} is in the README's configuration table`)
  }
})

t.test('npm start with PORT=abc stops at once with a clear message', async (t) => {
  const server = runEntryPoint(t, 'src/server.ts', { PORT: 'abc' })
  t.same(await server.exited, { code: 1, signal: null })
  t.match(server.output(), /Invalid configuration:\n {2}PORT="abc": Expected integer/)
})

t.test('security settings: a short API_TOKEN is refused without being printed; CORS_ORIGINS is a list of origins', async (t) => {
  const config = loadConfig({})
  t.same(config.security, { apiToken: undefined, icalRateLimitPerMinute: 60, corsOrigins: [] }, 'defaults: open API, 60 calendars a minute per client, no CORS')
  t.equal(loadConfig({ API_TOKEN: 'k3Qx-9vT_2mZ8pLw' }).security.apiToken, 'k3Qx-9vT_2mZ8pLw', '16 characters is enough')
  for (const token of ['QuokkaSecret15c', 'Zebra Quokka long enough phrase']) {
    const error = (() => { try { loadConfig({ API_TOKEN: token }) } catch (e) { return e as Error } })()
    t.ok(error instanceof ConfigError, `refused: ${token.length} characters`)
    t.match(error?.message, `API_TOKEN=(hidden, ${token.length} characters)`)
    t.notMatch(error?.message, /Quokka/, 'the value is not in the message')
  }
  t.same(loadConfig({ CORS_ORIGINS: 'https://a.example, http://localhost:3000' }).security.corsOrigins, ['https://a.example', 'http://localhost:3000'])
  t.throws(() => loadConfig({ CORS_ORIGINS: '*' }), { message: /CORS_ORIGINS="\*"/ })
  t.throws(() => loadConfig({ CORS_ORIGINS: 'https://a.example/' }), { message: /CORS_ORIGINS/ }, 'an origin has no path')
  t.equal(loadConfig({ ICAL_RATE_LIMIT_PER_MINUTE: '0' }).security.icalRateLimitPerMinute, 0, '0: off')
})
