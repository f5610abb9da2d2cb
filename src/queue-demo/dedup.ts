// Content-based de-duplication for FIFO queues, as SQS does it: the same body from the same
// message group within 5 minutes of the first accepted copy is accepted by the call but not
// queued again.
//
// Why deterministic job ids, and not pg-boss's singletonKey + singletonSeconds: on a
// key_strict_fifo queue the singletonKey already is the message group, and singletonSeconds
// would then allow ONE job per group per time slot, not one per body. A job id derived from
// (queue, group, body, slot) does the job: pg-boss inserts with ON CONFLICT DO NOTHING, so
// send() returns null for a repeat.
//
// Slots alone would make a fixed window (a repeat just after a slot boundary would slip
// through), so a send also looks at the previous slot's id: a copy there younger than the
// window counts as a duplicate too. Together that is SQS's sliding window. Clocks are the
// publishers' own; a skew of a few seconds only moves the edges of a 5-minute window.
import { createHash } from 'node:crypto'

export const DEDUP_WINDOW_SECONDS = 300

export interface DedupIds {
  /** the id to send with */
  current: string
  /** the id an earlier copy sent in the previous slot would have */
  previous: string
}

export function dedupIds (queue: string, group: string, body: string, nowMs: number, windowSeconds = DEDUP_WINDOW_SECONDS): DedupIds {
  const slot = Math.floor(nowMs / 1000 / windowSeconds)
  return { current: contentId(queue, group, body, slot), previous: contentId(queue, group, body, slot - 1) }
}

/** A copy found under the previous slot's id still counts while it is younger than the window. */
export function withinWindow (createdOn: Date, nowMs: number, windowSeconds = DEDUP_WINDOW_SECONDS): boolean {
  return nowMs - createdOn.getTime() < windowSeconds * 1000
}

// A UUID (the type of pg-boss's id column) made from a SHA-256 of the content, marked as
// version 8 ("custom") per RFC 9562.
function contentId (queue: string, group: string, body: string, slot: number): string {
  const hex = createHash('sha256').update(JSON.stringify([queue, group, body, slot])).digest('hex')
  const variant = ((parseInt(hex[16]!, 16) & 0x3) | 0x8).toString(16)
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-8${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`
}
