// A real PgBouncer (Debian's `pgbouncer` package) in front of the test server, in transaction
// mode, started by the test in a folder of its own on a free port and killed when the test ends.
import { execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { chown, writeFile } from 'node:fs/promises'
import path from 'node:path'
import type { Test } from 'tap'
import { freePort } from '../../scripts/free-port.ts'
import { runProcess, type RunningProcess } from './process.ts'
import { sharedTempDir } from './tmp.ts'

/** The pgbouncer binary, or undefined when it is not installed. */
export function findPgBouncer (): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter), '/usr/sbin', '/usr/local/sbin']
  for (const dir of dirs.filter(Boolean)) {
    const candidate = path.join(dir, 'pgbouncer')
    try {
      accessSync(candidate, constants.X_OK)
      return candidate
    } catch {}
  }
  return undefined
}

export interface PgBouncer {
  process: RunningProcess
  /** The same database URL, through PgBouncer. */
  url (databaseUrl: string): string
}

export interface PgBouncerOptions {
  /** Server connections per database and user (default_pool_size): fewer than the app's clients. */
  poolSize: number
}

/** PgBouncer in transaction mode in front of the server of upstreamUrl; any database name passes through. */
export async function startPgBouncer (t: Test, binary: string, upstreamUrl: string, { poolSize }: PgBouncerOptions): Promise<PgBouncer> {
  const upstream = new URL(upstreamUrl)
  const password = decodeURIComponent(upstream.password)
  if (/['\\\s]/.test(password)) throw new Error('test PgBouncer: a password with quotes, backslashes or spaces is not supported')
  const dir = await sharedTempDir(t)
  const port = await freePort()
  // auth_type=any: clients are not checked, PgBouncer logs in upstream as the test server's user.
  // The "*" entry sends every database name through unchanged (each test file has its own).
  const ini = [
    '[databases]',
    `* = host=${upstream.hostname} port=${upstream.port || 5432} user=${decodeURIComponent(upstream.username) || 'postgres'}` +
      (password ? ` password='${password}'` : ''),
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    `listen_port = ${port}`,
    'unix_socket_dir =',
    'auth_type = any',
    'pool_mode = transaction',
    `default_pool_size = ${poolSize}`,
    'max_client_conn = 500',
    'log_connections = 0',
    'log_disconnections = 0',
    ''
  ].join('\n')
  const file = path.join(dir, 'pgbouncer.ini')
  await writeFile(file, ini, { mode: 0o600 })
  // PgBouncer refuses to run as root: as root (CI), it switches to nobody, which must read the file.
  const asRoot = process.getuid?.() === 0
  if (asRoot) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'nobody'], { encoding: 'utf8' }))
    await chown(file, id('-u'), id('-g'))
  }
  const bouncer = runProcess(t, [binary, ...(asRoot ? ['-u', 'nobody'] : []), file], { cwd: dir, env: { PATH: process.env.PATH ?? '' } })
  await bouncer.waitForOutput(/process up: PgBouncer/, 10_000)
  return {
    process: bouncer,
    url (databaseUrl) {
      const url = new URL(databaseUrl)
      url.host = `127.0.0.1:${port}`
      return url.toString()
    }
  }
}
