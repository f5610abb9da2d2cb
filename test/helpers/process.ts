// Entry points run as real child processes (`node src/worker.ts`, `node src/server.ts`), as
// `npm run worker` and `npm start` run them.
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface RunningProcess {
  child: ChildProcess
  /** everything written to stdout and stderr so far */
  output (): string
  /** resolves with the first output line matching, rejects if the process exits first */
  waitForOutput (pattern: RegExp, timeoutMs?: number): Promise<string>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

export function runEntryPoint (t: Test, entry: 'src/worker.ts' | 'src/server.ts' | 'src/migrate.ts', env: NodeJS.ProcessEnv): RunningProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  const child = spawn(process.execPath, ['--experimental-strip-types', path.join(root, entry)], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const listeners = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const listener of listeners) listener()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal })
      for (const listener of listeners) listener()
    })
  })
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL')
      await exited
    }
  })
  return {
    child,
    output: () => output,
    exited,
    waitForOutput (pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no output matching ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs)
        const check = () => {
          const line = output.split('\n').find((l) => pattern.test(l))
          if (line !== undefined) finish(undefined, line)
          else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${output}`))
        }
        const finish = (error?: Error, line?: string) => {
          clearTimeout(timer)
          listeners.delete(check)
          if (error) reject(error)
          else resolve(line!)
        }
        listeners.add(check)
        check()
      })
    }
  }
}
