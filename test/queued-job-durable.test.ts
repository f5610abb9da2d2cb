// A 202 promises that the job's commit is durable: a Postgres server stopped in immediate mode
// right after the 202s still has every job when it comes back. Immediate mode drops what is only
// in Postgres's WAL buffers, as a crash would; it cannot drop what was written to the kernel and
// not yet fsynced (the machine does not crash), so this proves the WAL was written out before the
// 202, which a synchronous commit's flush does. Here wal_writer_delay is 10 s, no worker runs and
// pg-boss's supervision is hourly, so nothing but the queuing commit itself writes that WAL in
// time: a queuing INSERT that committed without waiting for the disk (as 0009 lets a job's start
// do) fails this test, unless the request waited for the disk otherwise before answering (tried
// for issue 12: see the README, "Job latency").
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import pg from 'pg'
import { buildApp } from '../src/app.ts'
import { loadConfig, withDatabaseUrl } from '../src/config.ts'
import { startEmbeddedPostgres, type EmbeddedPostgres } from '../src/db/embedded/index.ts'
import { isAlive } from '../src/db/embedded/state-file.ts'
import { createLogger } from '../src/logger.ts'
import { migrateDatabase } from '../src/startup.ts'
import { freePort } from '../scripts/free-port.ts'
import { createTask } from './helpers/tasks.ts'
import { sharedTempDir } from './helpers/tmp.ts'
import { waitFor } from './helpers/wait.ts'

const logger = createLogger('silent')

async function query (url: string, text: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: url })
  await client.connect()
  try {
    return (await client.query(text, values)).rows
  } finally {
    await client.end()
  }
}

t.test('jobs answered 202 survive an immediate shutdown of Postgres right after', async (t) => {
  const dataDir = path.join(await sharedTempDir(t), 'postgres')
  // Each start on a port of its own (a port freed by a stop could be taken meanwhile); stop() is
  // harmless on a server that is down, so every start is stopped at the end whatever happened.
  const start = async () => {
    const server = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger })
    t.teardown(() => server.stop())
    return server
  }
  const first = await start()
  await query(first.url, "alter system set wal_writer_delay = '10s'")
  await first.stop() // restarted, so the WAL writer sleeps 10 s from its first cycle on
  const began = Date.now()
  const server: EmbeddedPostgres = await start()
  const config = withDatabaseUrl(loadConfig({
    LOG_LEVEL: 'silent', WORKER_MODE: 'off', QUEUE_SUPERVISE_SECONDS: '3600', ICAL_RATE_LIMIT_PER_MINUTE: '0', SHUTDOWN_TIMEOUT_MS: '2000'
  }), server.url)
  await migrateDatabase(config, logger)
  const app = await buildApp(config)
  let closed = false
  t.teardown(async () => { if (!closed) await app.close() })

  const ids: string[] = []
  for (let i = 0; i < 3; i++) ids.push((await createTask(app)).task_id)
  // SIGQUIT to the postmaster is an immediate shutdown: no checkpoint, WAL buffers dropped.
  const postmaster = Number((await readFile(path.join(dataDir, 'postmaster.pid'), 'utf8')).split('\n')[0])
  process.kill(postmaster, 'SIGQUIT')
  const window = Date.now() - began
  // The WAL writer's cycles after its first (at start-up) come every 10 s: had one come after
  // the INSERTs, it could have written them out by itself, and the test would prove nothing.
  t.ok(window < 9_000, `start-up to shutdown within wal_writer_delay (${window} ms)`)
  await waitFor(() => !isAlive(postmaster), 'the postmaster has exited')
  closed = true
  await app.close()
  await server.stop() // pg_ctl finds nothing to stop; the state file goes

  const recovered = await start()
  const rows = await query(recovered.url, 'select id::text from pgboss.job where id = any($1::uuid[]) order by id', [ids])
  t.same(rows.map((r) => r.id), [...ids].sort(), 'every job answered 202 is there after recovery')
})
