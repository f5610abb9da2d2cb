// The feed renderer's queues. `stately`: per feed (singletonKey) at most one render waiting and
// one running, so a burst of edits collapses into one render after the running one, and two
// workers never render the same feed at once.
import type { QueueDefinition } from '../queue/boss.ts'

export const FEED_RENDER_QUEUE = 'feed-render'
export const FEED_REFRESH_QUEUE = 'feed-refresh'

export interface FeedRenderData { feedId: number }

export const feedRenderKey = (feedId: number) => `feed-${feedId}`

/** notify: wake workers at once (LISTEN/NOTIFY) rather than at their next poll, as the calendar queue does. */
export function feedQueues (listenNotify: boolean): QueueDefinition[] {
  return [
    { name: FEED_RENDER_QUEUE, options: { policy: 'stately', notify: listenNotify, retryLimit: 5, retryDelay: 1, retryBackoff: true, expireInSeconds: 600, deleteAfterSeconds: 86_400 } },
    { name: FEED_REFRESH_QUEUE, options: { policy: 'exclusive', retryLimit: 1, expireInSeconds: 600, deleteAfterSeconds: 86_400 } }
  ]
}
