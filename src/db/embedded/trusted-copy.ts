// A copy of the Postgres binaries that only root could have written. As root, Postgres runs as the
// postgres user from a copy of the npm package's binaries when that user cannot reach the checkout.
// Whoever can write that copy (or a folder above it) can run code as postgres, so it is used only
// when root owns it and its every folder above, nothing in it is writable by group or others, and
// it is no symbolic link (lstat). A copy that fails the check is deleted and made again; a folder
// above it that fails is refused with a message, since we cannot make it safe ourselves.
import { promises as fs, type Stats } from 'node:fs'
import path from 'node:path'
import type { Logger } from 'pino'
import { EmbeddedPostgresError } from './errors.ts'

/** Where the copies live: under /var/lib, which only root can write (never /tmp). */
export const BINARY_CACHE_DIR = '/var/lib/taskoverflow/postgres-binaries'

const WRITABLE_BY_OTHERS = 0o022
const STICKY = 0o1000

/** The copy of `source` at `target`, made (again) unless a trusted one is there. */
export async function trustedCopy (source: string, target: string, logger?: Logger): Promise<void> {
  const parent = path.dirname(target)
  await fs.mkdir(parent, { recursive: true, mode: 0o755 })
  await assertSafeFolders(parent)
  const problem = await untrustedBecause(target)
  if (problem === undefined) return
  if (problem !== 'missing') {
    logger?.warn({ target, problem }, 'embedded Postgres: not using a binary copy that root does not solely control; making it again')
    await fs.rm(target, { recursive: true, force: true }) // a symbolic link itself, never what it points to
  }
  logger?.info({ from: source, to: target }, 'embedded Postgres: copying binaries where the postgres user can run them')
  const partial = `${target}.${process.pid}.tmp`
  await fs.rm(partial, { recursive: true, force: true })
  await fs.cp(source, partial, { recursive: true, verbatimSymlinks: true })
  await fs.chmod(partial, 0o755)
  await fs.rename(partial, target).catch(async () => fs.rm(partial, { recursive: true, force: true })) // another start made it first
  const after = await untrustedBecause(target)
  if (after !== undefined) throw new EmbeddedPostgresError(`The copy of the Postgres binaries at ${target} is not safe to run (${after}); delete it and start again`)
}

/** Every folder from / down to dir: a real folder, owned by root, not writable by others unless sticky (as /tmp). */
async function assertSafeFolders (dir: string): Promise<void> {
  for (let d = path.resolve(dir); ; d = path.dirname(d)) {
    const stats = await fs.lstat(d)
    const sticky = (stats.mode & STICKY) !== 0 && d !== path.resolve(dir) // the copies' own folder must not be shared at all
    if (!stats.isDirectory() || stats.uid !== 0 || ((stats.mode & WRITABLE_BY_OTHERS) !== 0 && !sticky)) {
      throw new EmbeddedPostgresError(`Running as root, the embedded Postgres keeps a copy of its binaries in ${dir}, but ${d} ${describe(stats)}: ` +
        'another user could replace what Postgres runs. Make it a folder owned by root and writable only by root, or set DATABASE_URL.')
    }
    if (d === path.dirname(d)) return
  }
}

/** Why the tree at `dir` cannot be trusted, or undefined when it can. */
async function untrustedBecause (dir: string): Promise<string | undefined> {
  let stats: Stats
  try {
    stats = await fs.lstat(dir)
  } catch {
    return 'missing'
  }
  if (!stats.isDirectory()) return `${dir} ${describe(stats)}`
  const entries = [dir, ...(await fs.readdir(dir, { recursive: true })).map((entry) => path.join(dir, entry))]
  for (const entry of entries) {
    const s = await fs.lstat(entry)
    // A symbolic link's own mode is always 777 and means nothing; its owner does.
    if (s.uid !== 0 || (!s.isSymbolicLink() && (s.mode & WRITABLE_BY_OTHERS) !== 0)) return `${entry} ${describe(s)}`
  }
  try {
    await fs.access(path.join(dir, 'bin', 'postgres'))
  } catch {
    return `${dir} holds no bin/postgres`
  }
  return undefined
}

function describe (stats: Stats): string {
  if (stats.isSymbolicLink()) return 'is a symbolic link'
  if (stats.uid !== 0) return `is owned by uid ${stats.uid}, not root`
  if ((stats.mode & WRITABLE_BY_OTHERS) !== 0) return `is writable by group or others (mode ${(stats.mode & 0o7777).toString(8)})`
  return 'is not a folder'
}
