// Where the data really lives. As root, Postgres runs as the postgres user, which must reach the
// data directory. The default one sits in the checkout; when that is under a folder closed to
// other users (a clone in /root, mode 700), a folder of this checkout's own under
// /var/lib/taskoverflow is used instead: the same one on every start, so data still survives.
import { createHash } from 'node:crypto'
import { statSync } from 'node:fs'
import path from 'node:path'

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
