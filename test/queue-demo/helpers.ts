// Shared by the queue demo's process tests: run the CLI as students do (a real process per
// terminal) against a database of the test file's own, read what it printed, and wait on its
// output (never on the clock).
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Test } from 'tap'
import { createTestDatabase, type TestDatabase } from '../helpers/database.ts'
import { runProcess, type RunningProcess } from '../helpers/process.ts'

export type { RunningProcess }

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')

/** A database of this test file's own, dropped when the file ends. */
export async function demoDatabase (t: Test): Promise<TestDatabase> {
  // Empty, not the migrated template: the demo needs nothing of the service's schema.
  const database = await createTestDatabase(`queue_demo_${path.basename(process.argv[1] ?? '', '.test.ts')}`, { empty: true })
  t.teardown(() => database.drop())
  return database
}

/** `npm run queue-demo -- args` as a real process, with this environment (DATABASE_URL or not). */
export function demo (t: Test, args: string[], env: NodeJS.ProcessEnv): RunningProcess {
  const { DATABASE_URL: _ignored, ...inherited } = process.env
  return runProcess(t, ['node', '--experimental-strip-types', path.join(root, 'src/queue-demo/main.ts'), ...args], {
    cwd: root,
    env: { ...inherited, ...env }
  })
}

export interface Delivered { publisher: string, seq: number }
// A successful delivery: the course's line, plus "(attempt n)" on a retry. Failed ones go on.
const DELIVERY = /^\[\d\d:\d\d:\d\d\] (.+?): Message (\d+)(?: {2}\(attempt \d+\))?$/
export function deliveries (p: RunningProcess): Delivered[] {
  return p.output().split('\n').flatMap((line) => {
    const m = DELIVERY.exec(line)
    return m ? [{ publisher: m[1]!, seq: Number(m[2]) }] : []
  })
}
export const failures = (p: RunningProcess) => p.output().split('\n').filter((l) => l.includes('-> failed on purpose')).length

export interface SummaryLine { received: number, outOfOrder: number, duplicates: number }
/** The summary's lines per publisher (and "total"), as printed on Ctrl-C. */
export function summaryOf (p: RunningProcess): Map<string, SummaryLine> {
  const text = p.output().slice(p.output().indexOf('\nSummary:'))
  const found = new Map<string, SummaryLine>()
  for (const m of text.matchAll(/^ {2}(.+): (\d+) received, (\d+) out of order(?: \(largest gap \d+\))?, (\d+) duplicates$/gm)) {
    found.set(m[1]!, { received: Number(m[2]), outOfOrder: Number(m[3]), duplicates: Number(m[4]) })
  }
  return found
}

/** Deliveries that came after a later message of the same publisher (counted here, independently). */
export function outOfOrder (list: Delivered[]): number {
  const highest = new Map<string, number>()
  let late = 0
  for (const { publisher, seq } of list) {
    if (seq < (highest.get(publisher) ?? -1)) late++
    else highest.set(publisher, seq)
  }
  return late
}

export const upTo = (n: number) => Array.from({ length: n }, (_, i) => i)

/** Resolves when check() holds, re-checked on every chunk of output; rejects at the deadline. */
export function waitUntil (processes: RunningProcess[], check: () => boolean, what: string, timeoutMs = 90_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (error?: Error) => {
      clearTimeout(timer)
      for (const p of processes) p.child.stdout!.off('data', onData)
      if (error) reject(error)
      else resolve()
    }
    const onData = () => { if (check()) done() }
    const timer = setTimeout(() => done(new Error(`not within ${timeoutMs} ms: ${what}\n${processes.map((p) => p.output()).join('\n---\n')}`)), timeoutMs)
    for (const p of processes) p.child.stdout!.on('data', onData)
    onData()
  })
}

export async function subscribe (t: Test, env: NodeJS.ProcessEnv, queue: string, name: string, ...flags: string[]): Promise<RunningProcess> {
  const s = demo(t, ['--name', queue, '--client-name', name, '--receive', ...flags], env)
  await s.waitForOutput(/is waiting for messages/, 90_000)
  return s
}

export async function stopWithSummary (t: Test, s: RunningProcess): Promise<void> {
  s.child.kill('SIGINT') // Ctrl-C
  t.same(await s.exited, { code: 0, signal: null }, 'Ctrl-C: summary, then exit 0')
  t.match(s.output(), /\nSummary:\n/)
}

export async function published (t: Test, p: RunningProcess, line: RegExp): Promise<void> {
  t.same(await p.exited, { code: 0, signal: null }, 'publisher exits 0')
  t.match(p.output(), line)
}
