import { setTimeout as sleep } from 'node:timers/promises'

/**
 * Wait until a real state holds, looking every 10 ms, or fail at the deadline naming what did not
 * happen. For states nothing announces (a counter, a row); prefer an event where there is one.
 */
export async function until (what: string, holds: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!(await holds())) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`)
    await sleep(10)
  }
}
