// Sends "Message 0" .. "Message N-1" with a progress bar, one at a time as the course's
// publisher does, then says how many the queue accepted and how many it dropped as duplicates.
import { randomUUID } from 'node:crypto'
import { Presets, SingleBar } from 'cli-progress'
import type { PgBoss } from 'pg-boss'
import { dedupIds, withinWindow } from './dedup.ts'
import type { DemoMessage } from './message.ts'
import type { QueueKind } from './queue-kind.ts'

export interface PublishResult { accepted: number, duplicates: number }

export async function publish (boss: PgBoss, queue: string, kind: QueueKind, publisher: string, count: number): Promise<PublishResult> {
  const run = randomUUID()
  // On stderr, and drawn only on a terminal: piped output (tests, logs) keeps just the result.
  const bar = new SingleBar({ format: 'Sending |{bar}| {value}/{total} messages', stream: process.stderr, hideCursor: true }, Presets.shades_classic)
  bar.start(count, 0)
  const result: PublishResult = { accepted: 0, duplicates: 0 }
  try {
    for (let seq = 0; seq < count; seq++) {
      const message: DemoMessage = { publisher, body: `Message ${seq}`, seq, run, sentAt: new Date().toISOString() }
      const id = kind === 'fifo' ? await sendToFifo(boss, queue, message) : await boss.send(queue, message)
      if (id === null) result.duplicates += 1
      else result.accepted += 1
      bar.increment()
    }
  } finally {
    bar.stop()
  }
  return result
}

// The message group is the publisher's name (the singletonKey key_strict_fifo orders by); the
// id makes a repeat of the same body within the window a no-op (see dedup.ts).
async function sendToFifo (boss: PgBoss, queue: string, message: DemoMessage): Promise<string | null> {
  const now = Date.now()
  const ids = dedupIds(queue, message.publisher, message.body, now)
  const [earlier] = await boss.findJobs(queue, { id: ids.previous })
  if (earlier && withinWindow(earlier.createdOn, now)) return null
  return boss.send(queue, message, { id: ids.current, singletonKey: message.publisher })
}
