// The long-poll fallback of the event stream, for clients without Server-Sent Events: answer
// with the events after `after` as soon as there is one, or with none after `waitMs`. Woken by
// the hub, never by a timer loop.
import type { Queryable } from '../db/schema.ts'
import { eventsAfter, latestSeq, type FeedEvent } from './feed.ts'
import type { EventHub } from './hub.ts'

export interface PollResult {
  events: FeedEvent[]
  /** Pass as `after` next time. */
  last_seq: number
  /** true: too much was missed to replay; reload everything, then poll from last_seq. */
  reset: boolean
}

const LIMIT = 1000

export async function pollEvents (hub: EventHub, db: Queryable, after: number, waitMs: number, signal: AbortSignal): Promise<PollResult> {
  const deadline = Date.now() + waitMs
  for (;;) {
    let wake = () => {}
    const woken = new Promise<void>((resolve) => { wake = resolve })
    // Subscribed before reading, so an event committed in between still wakes us.
    const unsubscribe = hub.subscribe(() => wake())
    try {
      const replay = await eventsAfter(db, after, LIMIT)
      if (!replay.complete) return { events: [], last_seq: await latestSeq(db), reset: true }
      // The replay also holds a few earlier events (late commits); answer only once one is new.
      const newest = Math.max(after, ...replay.events.map((e) => e.seq))
      const remaining = deadline - Date.now()
      if (newest > after || remaining <= 0 || signal.aborted || !hub.open) return { events: replay.events, last_seq: newest, reset: false }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, remaining)
        signal.addEventListener('abort', done, { once: true })
        woken.then(done, done)
        function done () {
          clearTimeout(timer)
          signal.removeEventListener('abort', done)
          resolve()
        }
      })
    } finally {
      unsubscribe()
    }
  }
}
