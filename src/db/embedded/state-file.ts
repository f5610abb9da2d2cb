// The state file beside the data directory (<dataDir>.json) doubles as a lock and a port file:
// created exclusively, so two processes cannot both own the data directory; read by
// `npm run worker` and `npm run migrate` to join the Postgres that a running `npm start` owns.
import { promises as fs, rmSync } from 'node:fs'

export interface RunState { pid: number, port: number, url: string | null, startedAt: string }

export const statePath = (dataDir: string) => `${dataDir}.json`

/** Create the state file; false when one exists already (another owner, live or dead). */
export async function createStateExclusively (dataDir: string, state: RunState): Promise<boolean> {
  try {
    await fs.writeFile(statePath(dataDir), JSON.stringify(state), { flag: 'wx', mode: 0o600 })
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw error
  }
}

export async function readState (dataDir: string): Promise<RunState | undefined> {
  try {
    return JSON.parse(await fs.readFile(statePath(dataDir), 'utf8')) as RunState
  } catch {
    return undefined
  }
}

export async function writeState (dataDir: string, state: RunState): Promise<void> {
  await fs.writeFile(statePath(dataDir), JSON.stringify(state), { mode: 0o600 })
}

export async function removeState (dataDir: string): Promise<void> {
  await fs.rm(statePath(dataDir), { force: true })
}

export function removeStateNow (dataDir: string): void {
  rmSync(statePath(dataDir), { force: true })
}

export function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}
