// Commands as a container would run them: an explicit argv, working directory and environment,
// nothing inherited from the test process (whose NODE_OPTIONS load tap's hooks).
import path from 'node:path'
import type { Test } from 'tap'
import { runProcess, type RunningProcess } from '../helpers/process.ts'

/** PATH with this Node first, so `npm` and `#!/usr/bin/env node` scripts run on it too. */
export const nodePath = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`

export function run (t: Test, argv: string[], options: { cwd: string, env: Record<string, string> }): RunningProcess {
  return runProcess(t, argv, { cwd: options.cwd, env: { PATH: nodePath, HOME: process.env.HOME ?? '/tmp', ...options.env } })
}

/** Run to completion; rejects with the output when it exits non-zero. */
export async function runToEnd (t: Test, argv: string[], options: { cwd: string, env: Record<string, string> }): Promise<string> {
  const running = run(t, argv, options)
  const { code, signal } = await running.exited
  if (code !== 0) throw new Error(`${argv.join(' ')} exited ${code ?? signal}:\n${running.output()}`)
  return running.output()
}
