import { chmod, mkdtemp, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import type { Test } from 'tap'

/**
 * A temporary folder that other users can reach (mode 755): as root, Postgres runs as the
 * postgres user, whatever folder the checkout was cloned into.
 */
export async function sharedTempDir (t: Test): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'taskoverflow-test-'))
  await chmod(dir, 0o755)
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  return dir
}
