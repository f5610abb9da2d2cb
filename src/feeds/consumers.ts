// The feed renderer and the hourly refresh of feeds whose window moves with time (a todo enters
// a 5-day window without any edit), subscribed the same way in the API process and in workers.
import type { Kysely } from 'kysely'
import type { ReadyConfig } from '../config.ts'
import type { Database } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import type { PgBoss } from '../queue/boss.ts'
import { queueFeedRender } from './changes.ts'
import { FEED_REFRESH_QUEUE, FEED_RENDER_QUEUE, type FeedRenderData } from './queue.ts'
import { feedRenderHandler } from './render-job.ts'
import { activeFeedFilters, markFeedsChanged } from './repository.ts'

export async function startFeedConsumers (boss: PgBoss, deps: { db: Kysely<Database>, config: ReadyConfig, logger: BaseLogger }): Promise<void> {
  const { db, config, logger } = deps
  await boss.work<FeedRenderData>(FEED_RENDER_QUEUE, {
    batchSize: 1,
    localConcurrency: 1,
    // A debounced render (changes.ts) becomes due without a NOTIFY: look every 0.5 s at most, so
    // an edit reaches the feed within about 1.5 s (one cheap prepared fetch per poll).
    pollingIntervalSeconds: Math.min(config.worker.pollSeconds, 0.5),
    notifyPollingIntervalSeconds: Math.min(config.worker.pollSeconds, 0.5)
  }, feedRenderHandler({ db, logger, prodId: config.calendar.prodId, refreshSeconds: config.feeds.refreshSeconds }))

  await boss.work(FEED_REFRESH_QUEUE, async () => {
    await db.transaction().execute(async (trx) => {
      const moving = (await activeFeedFilters(trx)).filter((feed) => feed.filters.window !== undefined).map((feed) => feed.id)
      await markFeedsChanged(trx, moving)
      for (const id of moving) await queueFeedRender(trx, boss, id)
    })
  })
  await boss.schedule(FEED_REFRESH_QUEUE, '7 * * * *')
}
