// Calendar subscription feeds: create (the token is shown once), list, rotate, revoke, and the
// feed itself, served from its stored snapshot with validators for conditional polls.
import { Type, type FastifyPluginAsyncTypebox, type Static } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { commonErrors, errorResponse } from '../http/schemas.ts'
import { queueFeedRender } from './changes.ts'
import { createFeed, fetchFeedSnapshot, listFeeds, recordFeedFetch, revokeFeed, rotateFeedToken } from './repository.ts'
import { Feed, FeedCreate, FeedIdParams, FeedTokenParams, FeedWithToken, FEED_TOKEN_PATTERN } from './schemas.ts'
import { hashFeedToken, newFeedToken } from './token.ts'

const tags = ['feeds']
const DEFAULT_NAME = 'TaskOverflow todos'
const feedNotFound = { error: 'Feed not found' }
const FIRST_RENDER = 'The feed is being rendered for the first time; retry in a few seconds'
const TOKEN = new RegExp(FEED_TOKEN_PATTERN)

export interface FeedRoutesOptions {
  refreshSeconds: number
  /** polls of feed URLs per client address and minute */
  rateLimitPerMinute: number
}

export const feedRoutes: FastifyPluginAsyncTypebox<FeedRoutesOptions> = async (app, options) => {
  const withToken = (request: FastifyRequest, feed: Static<typeof Feed>, token: string) => {
    const url = app.absoluteUrl(request, `/api/v1/feeds/${token}.ics`) // PUBLIC_URL or a checked host
    return { feed, token, url, webcal_url: url.replace(/^https?:/, 'webcal:') }
  }

  app.post('/feeds', {
    schema: {
      tags,
      summary: 'Create a calendar subscription feed',
      description: 'Answers with the secret token and the webcal:// URL to paste into a calendar app (shown only now). ' +
        'The feed is rendered by a worker when created and whenever a todo it shows changes.',
      body: Type.Optional(FeedCreate),
      response: { 201: Type.Ref(FeedWithToken, { description: 'The feed, and its token and URLs' }), ...commonErrors('field filters.window must be >= 0') }
    }
  }, async (request, reply) => {
    const token = newFeedToken()
    const feed = await app.db.transaction().execute(async (trx) => {
      const created = await createFeed(trx, { tokenHash: hashFeedToken(token), name: request.body?.name ?? DEFAULT_NAME, filters: request.body?.filters ?? {} })
      await queueFeedRender(trx, app.boss, created.id) // its first snapshot
      return created
    })
    return reply.code(201).send(withToken(request, feed, token))
  })

  app.get('/feeds', {
    schema: {
      tags,
      summary: 'List feeds',
      description: 'Every feed that is not revoked, with when a calendar app last polled it and which one (tokens are never shown again).',
      response: { 200: Type.Array(Type.Ref(Feed), { description: 'The feeds' }), ...commonErrors("unknown query parameter 'x'") }
    }
  }, async () => listFeeds(app.db))

  app.post('/feeds/:id/rotate', {
    schema: {
      tags,
      summary: 'Give a feed a new token',
      description: 'The old URL stops working at once; subscribe with the new one.',
      params: FeedIdParams,
      response: { 200: Type.Ref(FeedWithToken, { description: 'The new token and URLs' }), 404: errorResponse('No such feed, or it is revoked', feedNotFound.error), ...commonErrors('path parameter id must be a positive integer') }
    }
  }, async (request, reply) => {
    const token = newFeedToken()
    const feed = await rotateFeedToken(app.db, Number(request.params.id), hashFeedToken(token))
    return feed ? withToken(request, feed, token) : reply.code(404).send(feedNotFound)
  })

  app.delete('/feeds/:id', {
    schema: {
      tags,
      summary: 'Revoke a feed',
      description: 'Its URL answers 404 from now on.',
      params: FeedIdParams,
      response: { 204: Type.Null({ description: 'Revoked' }), 404: errorResponse('No such feed, or it is revoked already', feedNotFound.error), ...commonErrors('path parameter id must be a positive integer') }
    }
  }, async (request, reply) => {
    return (await revokeFeed(app.db, Number(request.params.id))) ? reply.code(204).send(null) : reply.code(404).send(feedNotFound)
  })

  app.get('/feeds/:token.ics', {
    config: { rateLimit: { max: options.rateLimitPerMinute, timeWindow: 60_000 } }, // applied by src/http/rate-limit.ts
    schema: {
      tags,
      summary: 'The feed (what calendar apps poll)',
      description: 'The latest snapshot, never rendered on the request path. ETag and Last-Modified make polls cheap: If-None-Match and ' +
        'If-Modified-Since are answered 304. A wrong token is a 404; polls are rate-limited per client.',
      params: FeedTokenParams,
      response: {
        200: { description: 'The calendar (RFC 5545)', content: { 'text/calendar': { schema: { type: 'string' } } } },
        304: { description: 'Not modified since the validators sent', type: 'null' },
        404: errorResponse('No feed has this token (or it was revoked or rotated)', feedNotFound.error),
        429: errorResponse('Too many polls from this client', 'Too many requests: at most 60 a minute; retry in 1 minute'),
        503: errorResponse('The feed is new and its first snapshot is being rendered; retry shortly', FIRST_RENDER),
        ...commonErrors("unknown query parameter 'x'")
      }
    }
  }, async (request, reply) => {
    const { token } = request.params
    // A token that cannot be one costs no query at all.
    const snapshot = TOKEN.test(token) ? await fetchFeedSnapshot(app.db, hashFeedToken(token)) : undefined
    if (!snapshot) return reply.code(404).send(feedNotFound)
    // Recorded at most once a minute per feed and user agent, after the answer: a poll is one read.
    const agent = request.headers['user-agent']?.slice(0, 200) ?? null
    if (agent !== snapshot.last_user_agent || snapshot.last_fetched_at === null || Date.parse(`${snapshot.last_fetched_at}Z`) < Date.now() - 60_000) {
      recordFeedFetch(app.db, snapshot.id, agent ?? undefined).catch((err: unknown) => request.log.warn({ err }, 'could not record a feed poll'))
    }
    if (snapshot.body === null || snapshot.etag === null || snapshot.last_modified === null) {
      return reply.code(503).header('retry-after', '2').send({ error: FIRST_RENDER })
    }
    const lastModified = new Date(`${snapshot.last_modified}Z`)
    reply
      .header('etag', snapshot.etag)
      .header('last-modified', lastModified.toUTCString())
      .header('cache-control', `private, max-age=${options.refreshSeconds}`)
      .header('x-robots-tag', 'noindex')
    if (notModified(request, snapshot.etag, lastModified)) return reply.code(304).send()
    return reply.header('content-type', 'text/calendar; charset=utf-8').send(snapshot.body)
  })
}

// RFC 9110 13.2.2: If-None-Match decides when present; otherwise If-Modified-Since, compared at
// the one-second precision of HTTP dates.
function notModified (request: FastifyRequest, etag: string, lastModified: Date): boolean {
  const ifNoneMatch = request.headers['if-none-match']
  if (ifNoneMatch !== undefined) return ifNoneMatch.split(',').some((tag) => tag.trim() === '*' || tag.trim().replace(/^W\//, '') === etag)
  const since = Date.parse(request.headers['if-modified-since'] ?? '')
  return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000)
}
