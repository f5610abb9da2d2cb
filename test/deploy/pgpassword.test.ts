// What the ECS task definitions rely on, checked on the real client: a DATABASE_URL without a
// password takes PGPASSWORD (node-postgres's ConnectionParameters falls back to
// process.env.PGPASSWORD for any parameter the URL lacks: node_modules/pg/lib/
// connection-parameters.js, val()), which ECS fills from the database secret; and
// DATABASE_SSL=verify with DATABASE_SSL_CA checks the server against that CA bundle.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import pg from 'pg'
import t from 'tap'
import type { ReadyConfig } from '../../src/config.ts'
import { connectionOptions } from '../../src/db/connection.ts'

const database = (url: string, ssl: ReadyConfig['database']['ssl'] = { mode: 'off', caFile: undefined }): ReadyConfig['database'] =>
  ({ url, source: 'the test database', poolMax: 1, poolQueueMax: 0, ssl, preparedStatements: true, migrateOnStart: false })
const passwordOf = (client: pg.Client) => (client as unknown as { password: string | null }).password

t.test('a URL without a password takes PGPASSWORD; one with a password keeps its own', async (t) => {
  const saved = process.env.PGPASSWORD
  t.teardown(() => {
    if (saved === undefined) delete process.env.PGPASSWORD
    else process.env.PGPASSWORD = saved
  })
  process.env.PGPASSWORD = 'from-secrets-manager'
  const injected = new pg.Client(connectionOptions(database('postgres://taskoverflow@db.example.internal:5432/taskoverflow'), 'test'))
  t.equal(passwordOf(injected), 'from-secrets-manager')
  t.equal(injected.user, 'taskoverflow')
  t.equal(injected.host, 'db.example.internal')
  const explicit = new pg.Client(connectionOptions(database('postgres://taskoverflow:local-only@db:5432/taskoverflow'), 'test'))
  t.equal(passwordOf(explicit), 'local-only')
})

t.test('DATABASE_SSL=verify checks the certificate against DATABASE_SSL_CA', async (t) => {
  const ca = path.join(t.testdir({}), 'rds-global-bundle.pem')
  await writeFile(ca, '-----BEGIN CERTIFICATE-----\n(a CA)\n-----END CERTIFICATE-----\n')
  const options = connectionOptions(database('postgres://taskoverflow@db:5432/taskoverflow', { mode: 'verify', caFile: ca }), 'test')
  t.match(options.ssl, { rejectUnauthorized: true, ca: /BEGIN CERTIFICATE/ })
  t.notMatch(options.connectionString, /sslmode/, 'TLS comes from DATABASE_SSL, not the URL')
  const noVerify = connectionOptions(database('postgres://taskoverflow@db:5432/taskoverflow', { mode: 'no-verify', caFile: undefined }), 'test')
  t.same(noVerify.ssl, { rejectUnauthorized: false })
})
