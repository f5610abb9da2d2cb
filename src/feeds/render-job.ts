// The feed render job: read the feed and its todos in one snapshot, render, store. The snapshot
// records the feed version it was read at; storing it never replaces a newer one (two workers,
// or a retry that lost a race, cannot put an older calendar on top).
import type { Kysely } from 'kysely'
import type { Job } from 'pg-boss'
import type { Database } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import { feedTodos } from '../todos/repository.ts'
import type { FeedRenderData } from './queue.ts'
import { feedEtag, renderFeed, type FeedTodo } from './render.ts'
import { feedToRender, storeFeedSnapshot } from './repository.ts'

export interface FeedRenderDeps {
  db: Kysely<Database>
  logger: BaseLogger
  prodId: string
  refreshSeconds: number
}

export function feedRenderHandler ({ db, logger, prodId, refreshSeconds }: FeedRenderDeps) {
  return async ([job]: Array<Job<FeedRenderData>>): Promise<void> => {
    const { feedId } = job!.data
    const rendered = await db.transaction().setIsolationLevel('repeatable read').execute(async (trx) => {
      const feed = await feedToRender(trx, feedId)
      if (!feed || feed.revoked_at !== null) return undefined
      const todos = await feedTodos(trx, feed.filters) as FeedTodo[]
      const body = renderFeed(todos, { prodId, name: feed.name, refreshSeconds })
      const newest = todos.reduce((latest, todo) => (todo.updated_at > latest ? todo.updated_at : latest), feed.changed_at)
      return { version: Number(feed.wanted_version), body, eventCount: todos.length, lastModified: newest }
    })
    if (!rendered) return
    const stored = await storeFeedSnapshot(db, feedId, rendered.version, { ...rendered, etag: feedEtag(rendered.body) })
    logger.debug({ feedId, version: rendered.version, stored }, stored ? 'feed rendered' : 'feed render superseded by a newer one')
  }
}
