// A todo change queues a render of every feed it touches, in the same transaction as the change:
// a rolled-back change queues nothing, and a committed one cannot miss its render. A feed is
// touched when the todo belongs in it before or after the change.
import { fromKysely } from 'pg-boss'
import type { Transaction } from 'kysely'
import type { Database } from '../db/schema.ts'
import type { PgBoss } from '../queue/boss.ts'
import { inCalendar, type TodoRow } from '../todos/repository.ts'
import { activeFeedFilters, markFeedsChanged } from './repository.ts'
import { FEED_RENDER_QUEUE, feedRenderKey, type FeedRenderData } from './queue.ts'

type Version = Pick<TodoRow, 'completed' | 'deadline_at'> | undefined

export async function queueFeedRenders (trx: Transaction<Database>, boss: PgBoss, before: Version, after: Version): Promise<number[]> {
  const touched = (await activeFeedFilters(trx))
    .filter((feed) => [before, after].some((todo) => todo !== undefined && inCalendar(todo, feed.filters)))
    .map((feed) => feed.id)
  await markFeedsChanged(trx, touched)
  for (const feedId of touched) await queueFeedRender(trx, boss, feedId, { debounceSeconds: FEED_DEBOUNCE_SECONDS })
  return touched
}

// A render triggered by a change starts a second later: the edits of that second find it waiting
// and add nothing (stately queue), so a burst costs about one render a second, not one per edit.
const FEED_DEBOUNCE_SECONDS = 1

/** One render of a feed; while one already waits, this adds nothing (stately queue, see queue.ts). */
export async function queueFeedRender (trx: Transaction<Database>, boss: PgBoss, feedId: number, { debounceSeconds = 0 } = {}): Promise<void> {
  await boss.send(FEED_RENDER_QUEUE, { feedId } satisfies FeedRenderData, {
    singletonKey: feedRenderKey(feedId),
    ...(debounceSeconds > 0 ? { startAfter: debounceSeconds } : {}),
    db: fromKysely(trx)
  })
}
