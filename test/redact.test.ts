// Passwords are replaced wherever a URL may be printed (src/redact.ts), and the loggers of every
// process hide them in messages and errors at any level (src/logger.ts).
import { Writable } from 'node:stream'
import t from 'tap'
import { pino } from 'pino'
import { loggerSafety } from '../src/logger.ts'
import { redactSecrets, redactUrl } from '../src/redact.ts'
import { loadConfig } from '../src/config.ts'

const PW = 'Pw-5ecret-d1stinct'

t.test('redactSecrets hides the password of every URL in a text; redactUrl that of a whole URL, however malformed', async (t) => {
  t.equal(redactSecrets(`at postgres://app:${PW}@db:5432/app now`), 'at postgres://app:***@db:5432/app now')
  t.equal(redactSecrets(`postgres://app@db/app?sslmode=require&password=${PW}`), 'postgres://app@db/app?sslmode=require&password=***')
  t.equal(redactSecrets(`host=db password=${PW} user=app`), 'host=db password=*** user=app')
  t.equal(redactSecrets('http://localhost:6400/api/v1/todos and no secret'), 'http://localhost:6400/api/v1/todos and no secret')
  for (const url of [`postgres://app:${PW}@db/app`, `postgres://app:${PW}/x@y@db:5432/app`, `postgres://app:${PW}#x@db/app`, `postgres://app:pa ss${PW}@db/app`, `mysql://:${PW}@h/d`]) {
    t.notOk(redactUrl(url).includes(PW.slice(3)), redactUrl(url))
  }
  t.equal(redactUrl(`postgres://app:${PW}/x@y@db:5432/app`), 'postgres://app:***@db:5432/app')
})

t.test('configuration errors name DATABASE_URL without its password', async (t) => {
  for (const url of [`mysql://app:${PW}@db/app`, `postgres://app:${PW}@db:notaport/app`, `postgres://app:${PW}/x@y@db/app`]) {
    t.throws(() => loadConfig({ DATABASE_URL: url }), { message: /DATABASE_URL="[a-z]+:\/\/app:\*\*\*@db/ }, url)
    try { loadConfig({ DATABASE_URL: url }) } catch (error) { t.notOk((error as Error).message.includes(PW), 'no password') }
  }
})

t.test('the loggers hide passwords in messages and in errors, at every level', async (t) => {
  const lines: string[] = []
  const logger = pino({ level: 'trace', ...loggerSafety }, new Writable({ write (chunk, _e, done) { lines.push(String(chunk)); done() } }))
  // Node's URL parser keeps the whole input on the error: pg throws it for a malformed URL.
  const invalidUrl = (() => { try { return new URL(`postgres://app:${PW}@db:port/app`) } catch (error) { return error as Error } })()
  t.match(invalidUrl, { input: new RegExp(PW) }, 'ERR_INVALID_URL carries the URL')
  const withConfig = Object.assign(new Error(`connect to postgres://app:${PW}@db/app failed`), { config: { connectionString: `postgres://app:${PW}@db/app`, password: PW } })
  logger.trace(`connecting to postgres://app:${PW}@db/app`)
  logger.fatal({ err: invalidUrl }, 'could not start')
  logger.error(withConfig)
  logger.warn({ err: withConfig }, `postgres://app:${PW}@db/app cannot be reached`)
  logger.child({ component: 'x' }).info({ error: invalidUrl }, 'child logger')
  t.equal(lines.length, 5)
  t.same(lines.filter((line) => line.includes(PW)), [], 'no line holds the password')
  t.match(lines[1], /"input":"postgres:\/\/app:\*\*\*@db:port\/app"/, 'the error is still logged, redacted')
  t.match(lines[2], /"msg":"connect to postgres:\/\/app:\*\*\*@db\/app failed"/, 'logger.error(err) keeps its message')
})
