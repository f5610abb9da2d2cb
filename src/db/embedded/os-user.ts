// Postgres refuses to run as root. As root we run it as the `postgres` user (created when the
// machine has none), which must then be able to reach the binaries and the data directory.
import { spawnSync } from 'node:child_process'
import { EmbeddedPostgresError } from './errors.ts'

export interface RunAs { uid: number, gid: number }

/** The user Postgres runs as: undefined (ourselves) unless we are root. */
export function postgresRunAs (): RunAs | undefined {
  return process.getuid?.() === 0 ? ensurePostgresUser() : undefined
}

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

export function canExecute (runAs: RunAs, file: string): boolean {
  return spawnSync('test', ['-x', file], { ...runAs, cwd: '/' }).status === 0
}

export function assertReachable (runAs: RunAs, dir: string): void {
  if (!canExecute(runAs, dir)) {
    throw new EmbeddedPostgresError(`The postgres user cannot reach ${dir} (a parent folder is closed to other users). ` +
      'Set EMBEDDED_PG_DATA_DIR to a folder it can reach (e.g. /var/lib/taskoverflow/postgres), or set DATABASE_URL.')
  }
}
