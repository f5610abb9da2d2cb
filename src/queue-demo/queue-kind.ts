// Which kind a queue is, and how each kind is set up in pg-boss. The name decides, as in SQS:
// "csse6400_prac.fifo" is a FIFO queue, "csse6400_prac" a standard one.
import type { PgBoss, Queue } from 'pg-boss'

export type QueueKind = 'standard' | 'fifo'

// SQS's own rule (up to 80 characters: letters, digits, "-", "_", and ".fifo" at the end), so a
// name that works here works there too. It is also a subset of what pg-boss accepts.
const QUEUE_NAME = /^[A-Za-z0-9_-]{1,75}(\.fifo)?$/

export class QueueNameError extends Error {
  override name = 'QueueNameError'
}

export function queueKind (name: string): QueueKind {
  if (!QUEUE_NAME.test(name)) {
    throw new QueueNameError(`invalid queue name "${name}": use up to 80 letters, digits, "-" or "_", ` +
      'optionally ending in ".fifo" for a FIFO queue (as SQS does)')
  }
  return name.endsWith('.fifo') ? 'fifo' : 'standard'
}

export const DESCRIPTION: Record<QueueKind, string> = {
  standard: 'standard queue: at-least-once delivery, best-effort order, no de-duplication',
  fifo: 'FIFO queue: strict order per publisher (message group), duplicates dropped for 5 minutes'
}

// A failed delivery comes back after RETRY_DELAY_SECONDS, as an SQS message comes back when its
// visibility timeout ends; that delay is what lets later messages overtake it on a standard queue.
// RETRY_LIMIT is high so that --fail-rate 0.3 practically never fails a message for good
// (0.3^11 = 2e-6); --fail-rate 1 does, which is how to watch a FIFO group get blocked.
export const RETRY_LIMIT = 10
export const RETRY_DELAY_SECONDS = 1

export function queueOptions (kind: QueueKind): Omit<Queue, 'name'> {
  return {
    // key_strict_fifo (pg-boss >= 12.9) is SQS's MessageGroupId: every job carries a singletonKey
    // (the publisher's name), and a key's next job cannot be fetched while an earlier one is
    // active, waiting for a retry, or failed. Other keys keep flowing. `standard` has no such
    // rule: any free consumer takes the oldest ready job.
    policy: kind === 'fifo' ? 'key_strict_fifo' : 'standard',
    retryLimit: RETRY_LIMIT,
    retryDelay: RETRY_DELAY_SECONDS,
    // A subscriber killed mid-message gives it back after this (SQS's visibility timeout, 30 s).
    expireInSeconds: 30,
    // De-duplication looks up the jobs of the last 5 minutes (dedup.ts): keep them longer.
    deleteAfterSeconds: 3600
  }
}

/** Creates the queue on first use; says whether it did. */
export async function setUpQueue (boss: PgBoss, name: string, kind: QueueKind): Promise<'created' | 'existing'> {
  const existing = await boss.getQueue(name)
  if (existing) return 'existing'
  await boss.createQueue(name, queueOptions(kind)) // a no-op if another process created it meanwhile
  return 'created'
}
