// Entry points as real processes, the way users run them.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort } from '../../scripts/free-port.ts'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

export interface Proc {
  child: ChildProcess
  output (): string
  waitFor (pattern: RegExp, timeoutMs?: number): Promise<void>
  /** peak resident memory so far, in MB (Linux: VmHWM) */
  peakRssMb (): number | undefined
  stop (signal?: NodeJS.Signals): Promise<number | null>
}

// Whatever happens to a benchmark, no server or worker outlives the run.
const running = new Set<ChildProcess>()
process.on('exit', () => { for (const child of running) child.kill('SIGKILL') })

/**
 * quietStdout: the process's logs go to /dev/null (still written, not read): a load test's logs
 * would otherwise cost the benchmark process CPU. A .js script (the build) runs without type stripping.
 */
export function startProcess (script: string, env: NodeJS.ProcessEnv, args: string[] = [], { quietStdout = false, checkout = root } = {}): Proc {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  const node = script.endsWith('.ts') ? ['--experimental-strip-types'] : []
  const child = spawn(process.execPath, [...node, path.resolve(checkout, script), ...args], {
    cwd: checkout,
    // A benchmark drives the API from one address: the POST /todos/ical rate limit would cut it off.
    env: { ...inherited, LOG_LEVEL: 'info', ICAL_RATE_LIMIT_PER_MINUTE: '0', ...env },
    stdio: ['ignore', quietStdout ? 'ignore' : 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.on('data', (c: Buffer) => { output += c.toString() })
  child.stderr!.on('data', (c: Buffer) => { output += c.toString() })
  running.add(child)
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => {
    running.delete(child)
    resolve(code)
  }))
  return {
    child,
    output: () => output,
    async waitFor (pattern, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs
      while (!pattern.test(output)) {
        if (child.exitCode !== null) throw new Error(`${script} exited (${child.exitCode}) before ${pattern}:\n${output.slice(-2000)}`)
        if (Date.now() > deadline) throw new Error(`${script}: no ${pattern} within ${timeoutMs} ms:\n${output.slice(-2000)}`)
        await new Promise((resolve) => setTimeout(resolve, 10))
      }
    },
    peakRssMb () {
      try {
        const kb = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1]
        return kb ? Number(kb) / 1024 : undefined
      } catch {
        return undefined
      }
    },
    async stop (signal = 'SIGTERM') {
      if (child.exitCode === null) child.kill(signal)
      return exited
    }
  }
}

export { freePort }

/**
 * The API as `npm start` runs it, on a database of its own; resolves once it listens. `checkout`:
 * another checkout of the project to run instead of this one (a before/after comparison).
 */
export async function startApi (databaseUrl: string, env: NodeJS.ProcessEnv = {}, options: { quietStdout?: boolean, checkout?: string } = {}): Promise<Proc & { base: string }> {
  const port = await freePort()
  const proc = startProcess('src/server.ts', { DATABASE_URL: databaseUrl, PORT: String(port), LOG_LEVEL: 'warn', ...env }, [], options)
  await waitForHttp(`http://127.0.0.1:${port}/api/v1/health`, proc)
  return Object.assign(proc, { base: `http://127.0.0.1:${port}/api/v1` })
}

export async function waitForHttp (url: string, proc?: Proc, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      if ((await fetch(url)).ok) return
    } catch {}
    if (proc && proc.child.exitCode !== null) throw new Error(`exited before ${url} answered:\n${proc.output().slice(-2000)}`)
    if (Date.now() > deadline) throw new Error(`${url} did not answer within ${timeoutMs} ms`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
