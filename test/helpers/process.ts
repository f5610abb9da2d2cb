// Programs run as real child processes: the entry points as `npm start` and `npm run worker` run
// them, and (test/deploy) the built image's commands.
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

/** Run argv (argv[0] "node" is this Node) with exactly this environment; killed when the test ends. */
export function runProcess (t: Test, argv: string[], options: { cwd: string, env: NodeJS.ProcessEnv }): RunningProcess {
  const [command = '', ...args] = argv
  const child = spawn(command === 'node' ? process.execPath : command, args, {
    cwd: options.cwd,
    env: options.env,
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
  const name = argv.join(' ')
  return {
    child,
    output: () => output,
    exited,
    waitForOutput (pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`${name}: no output matching ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs)
        const check = () => {
          const line = output.split('\n').find((l) => pattern.test(l))
          if (line !== undefined) finish(undefined, line)
          else if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${output}`))
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

/** An entry point from the sources, as the npm scripts run it, with this test's environment plus env. */
export function runEntryPoint (t: Test, entry: 'src/worker.ts' | 'src/server.ts' | 'src/migrate.ts', env: NodeJS.ProcessEnv): RunningProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  return runProcess(t, ['node', '--experimental-strip-types', path.join(root, entry)], {
    cwd: root,
    env: { ...inherited, LOG_LEVEL: 'info', ...env }
  })
}
