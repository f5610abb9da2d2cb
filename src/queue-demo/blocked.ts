// FIFO groups blocked by a message that failed for good. On a key_strict_fifo queue such a
// message holds back every later message of its group (other groups carry on) until someone
// decides: `--unblock` gives it one more try with pg-boss's retry(), after which the group flows
// again if it succeeds.
import type { PgBoss } from 'pg-boss'
import { isDemoMessage } from './message.ts'

export async function blockedGroups (boss: PgBoss, queue: string): Promise<string[]> {
  return boss.getBlockedKeys(queue)
}

export function unblockCommand (queue: string, group: string): string {
  return `npm run queue-demo -- --name ${queue} --client-name ${JSON.stringify(group)} --unblock`
}

/** Retries the failed message(s) of a group; returns their bodies (none: it was not blocked). */
export async function unblock (boss: PgBoss, queue: string, group: string): Promise<string[]> {
  if (!(await blockedGroups(boss, queue)).includes(group)) return []
  const failed: Array<{ id: string, body: string }> = []
  for (let after: string | undefined; ;) {
    const page = await boss.findJobs(queue, { key: group, limit: 1000, ...(after ? { after } : {}) })
    for (const job of page) {
      if (job.state === 'failed') failed.push({ id: job.id, body: isDemoMessage(job.data) ? job.data.body : job.id })
    }
    if (page.length < 1000) break
    after = page.at(-1)!.id
  }
  await boss.retry(queue, failed.map((f) => f.id))
  return failed.map((f) => f.body)
}
