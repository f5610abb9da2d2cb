// 6. Start-up: `npm start` (the server entry point, embedded PostgreSQL) to its first healthy
// response, on a fresh data directory (initdb) and on an existing one. Baseline in the same run:
// the embedded PostgreSQL alone, started the same two ways.
import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import { startEmbeddedPostgres } from '../src/db/embedded/index.ts'
import { createLogger } from '../src/logger.ts'
import type { Benchmark } from './context.ts'
import { freePort, startProcess, waitForHttp } from './lib/processes.ts'

async function sharedTemp (): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'taskoverflow-bench-start-'))
  await chmod(dir, 0o755)
  return dir
}

async function timeServer (dataDir: string): Promise<number> {
  const port = await freePort()
  const began = performance.now()
  const server = startProcess('src/server.ts', { EMBEDDED_PG_DATA_DIR: dataDir, EMBEDDED_PG_PORT: String(await freePort()), PORT: String(port), LOG_LEVEL: 'warn' })
  await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`, server)
  const seconds = (performance.now() - began) / 1000
  if (await server.stop() !== 0) throw new Error(`server did not stop cleanly:\n${server.output()}`)
  return seconds
}

async function timePostgres (dataDir: string): Promise<number> {
  const began = performance.now()
  const pg = await startEmbeddedPostgres({ dataDir, port: await freePort(), logger: createLogger('silent') })
  const seconds = (performance.now() - began) / 1000
  await pg.stop()
  return seconds
}

export const startup: Benchmark = async ({ smoke, log }) => {
  // Four initdb/start cycles of an embedded PostgreSQL are most of a smoke run's budget; CI starts
  // the server on an embedded PostgreSQL in test/server-process.test.ts anyway.
  if (smoke) {
    log('start-up: skipped in a smoke run (run it with `npm run bench -- startup`)')
    return []
  }
  const dir = await sharedTemp()
  try {
    log('start-up: npm start on a fresh data directory, then again on it')
    const fresh = await timeServer(path.join(dir, 'server'))
    const existing = await timeServer(path.join(dir, 'server'))
    log('start-up: the embedded PostgreSQL alone')
    const pgFresh = await timePostgres(path.join(dir, 'postgres'))
    const pgExisting = await timePostgres(path.join(dir, 'postgres'))
    return [
      { benchmark: 'start-up (npm start -> first healthy response)', metric: 'fresh data directory', value: fresh, unit: 's', baseline: { label: 'embedded PostgreSQL alone', value: pgFresh, part: true } },
      { benchmark: 'start-up (npm start -> first healthy response)', metric: 'existing data directory', value: existing, unit: 's', baseline: { label: 'embedded PostgreSQL alone', value: pgExisting, part: true } }
    ]
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
