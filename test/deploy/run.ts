// Commands as a container would run them: an explicit argv, working directory and environment,
// nothing inherited from the test process (whose NODE_OPTIONS load tap's hooks).
import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import type { Test } from 'tap'

export interface Running {
  child: ChildProcess
  output (): string
  waitForOutput (pattern: RegExp, timeoutMs?: number): Promise<void>
  exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }>
}

/** PATH with this Node first, so `npm` and `#!/usr/bin/env node` scripts run on it too. */
export const nodePath = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`

/** argv[0] "node" runs on this Node (the image's command names it so). */
export function run (t: Test, argv: string[], options: { cwd: string, env: Record<string, string> }): Running {
  const [command = '', ...args] = argv
  const child = spawn(command === 'node' ? process.execPath : command, args, {
    cwd: options.cwd,
    env: { PATH: nodePath, HOME: process.env.HOME ?? '/tmp', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  const waiting = new Set<() => void>()
  const onData = (chunk: Buffer) => {
    output += chunk.toString()
    for (const check of waiting) check()
  }
  child.stdout!.on('data', onData)
  child.stderr!.on('data', onData)
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    child.on('exit', (code, signal) => {
      resolve({ code, signal })
      for (const check of waiting) check()
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
        const timer = setTimeout(() => done(new Error(`${argv.join(' ')}: no output matching ${pattern} within ${timeoutMs} ms:\n${output}`)), timeoutMs)
        const check = () => {
          if (pattern.test(output)) done()
          else if (child.exitCode !== null || child.signalCode !== null) done(new Error(`${argv.join(' ')} exited (${child.exitCode ?? child.signalCode}) before ${pattern}:\n${output}`))
        }
        const done = (error?: Error) => {
          clearTimeout(timer)
          waiting.delete(check)
          if (error) reject(error)
          else resolve()
        }
        waiting.add(check)
        check()
      })
    }
  }
}

/** Run to completion; rejects with the output when it exits non-zero. */
export async function runToEnd (t: Test, argv: string[], options: { cwd: string, env: Record<string, string> }): Promise<string> {
  const running = run(t, argv, options)
  const { code, signal } = await running.exited
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code ?? signal}:\n${running.output()}`)
  return running.output()
}
