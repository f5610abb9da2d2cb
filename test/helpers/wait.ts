import { setTimeout as sleep } from 'node:timers/promises'

/** Check a real state every `everyMs` until it holds; fail after the deadline. */
export async function waitFor (condition: () => boolean | Promise<boolean>, what: string, { timeoutMs = 20_000, everyMs = 20 } = {}): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await sleep(everyMs)
  }
}
