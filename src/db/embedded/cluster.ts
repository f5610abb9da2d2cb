// The cluster itself: created once with initdb, started and stopped with pg_ctl. pg_ctl starts
// the server detached, in its own session, so a Ctrl-C in the terminal reaches only us, and we
// stop Postgres last.
import { spawn, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Logger } from 'pino'
import type { Binaries } from './binaries.ts'
import { EmbeddedPostgresError } from './errors.ts'
import type { RunAs } from './os-user.ts'

/** Create the cluster on first use; the superuser password either way (kept in <dataDir>.password, 0600). */
export async function initialiseOnce (bins: Binaries, dataDir: string, runAs: RunAs | undefined, logger: Logger): Promise<string> {
  const passwordFile = `${dataDir}.password`
  if (existsSync(path.join(dataDir, 'PG_VERSION'))) {
    const saved = await fs.readFile(passwordFile, 'utf8').catch(() => undefined)
    if (saved === undefined) {
      throw new EmbeddedPostgresError(`${passwordFile} is missing, so the cluster in ${dataDir} cannot be logged into; delete ${dataDir} to start afresh`)
    }
    return saved.trim()
  }
  if (existsSync(dataDir) && (await fs.readdir(dataDir)).length > 0) {
    throw new EmbeddedPostgresError(`${dataDir} is not empty and holds no Postgres cluster; move it away or set EMBEDDED_PG_DATA_DIR`)
  }
  logger.info({ dataDir }, 'embedded Postgres: creating a new cluster (first start)')
  const password = randomBytes(18).toString('base64url')
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 })
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 })
  // initdb reads the password from a file the postgres user can read; it is gone right after.
  const tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'taskoverflow-initdb-'))
  const pwfile = path.join(tmp, 'pw')
  try {
    await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 })
    if (runAs) {
      await fs.chown(tmp, runAs.uid, runAs.gid)
      await fs.chown(pwfile, runAs.uid, runAs.gid)
      await fs.chown(dataDir, runAs.uid, runAs.gid)
    }
    await run(bins.initdb, ['-D', dataDir, '-U', 'postgres', '-A', 'scram-sha-256', `--pwfile=${pwfile}`,
      '-E', 'UTF8', '--no-locale', '--no-instructions'], runAs)
  } finally {
    await fs.rm(tmp, { recursive: true, force: true })
  }
  // Loopback TCP only: no Unix socket in a shared /tmp, nothing on other interfaces.
  await fs.appendFile(path.join(dataDir, 'postgresql.conf'), [
    '', '# taskoverflow embedded defaults',
    "listen_addresses = '127.0.0.1'",
    "unix_socket_directories = ''",
    'max_connections = 200', ''
  ].join('\n'))
  return password
}

export async function startCluster (bins: Binaries, dataDir: string, port: number, runAs: RunAs | undefined): Promise<void> {
  await pgCtl(bins, runAs, ['start', '-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port}`])
    .catch(async (error: Error) => {
      throw new EmbeddedPostgresError(`${error.message}\n${await logTail(dataDir)}`)
    })
}

export async function stopCluster (bins: Binaries, dataDir: string, runAs: RunAs | undefined): Promise<void> {
  await pgCtl(bins, runAs, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20'])
}

/**
 * Stop it now, synchronously: for a process that must exit at once (a second Ctrl-C), so the
 * server is never left running without its owner. Fast mode: sessions are ended, data is safe.
 */
export function stopClusterNow (bins: Binaries, dataDir: string, runAs: RunAs | undefined): void {
  spawnSync(bins.pg_ctl, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20'], { ...runAs, cwd: '/', stdio: 'ignore', env: { ...process.env, LC_ALL: 'C' } })
}

export async function createDatabaseOnce (adminUrl: string, database: string): Promise<void> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [database])
    if (rowCount === 0) await client.query(`create database ${database}`)
  } finally {
    await client.end()
  }
}

function pgCtl (bins: Binaries, runAs: RunAs | undefined, args: string[]): Promise<string> {
  return run(bins.pg_ctl, args, runAs)
}

// Runs a Postgres program to completion; its own session keeps terminal signals away from the
// server it may start, and any failure (including a spawn error) becomes a rejected promise.
function run (file: string, args: string[], runAs: RunAs | undefined): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { ...runAs, cwd: '/', detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
    child.on('error', (error) => reject(new EmbeddedPostgresError(`Could not run ${file}: ${error.message}`, { cause: error })))
    child.on('close', (code) => code === 0
      ? resolve(output)
      : reject(new EmbeddedPostgresError(`${path.basename(file)} ${args[0]} failed (exit ${code}): ${output.trim()}`)))
  })
}

async function logTail (dataDir: string): Promise<string> {
  const log = await fs.readFile(path.join(dataDir, 'server.log'), 'utf8').catch(() => '')
  return log.trim().split('\n').slice(-8).join('\n')
}
