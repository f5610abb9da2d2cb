import { Type, type Static } from '@sinclair/typebox'
import { Nullable, Text, matching } from '../http/schemas.ts'
import { FEED_TOKEN_PATTERN } from './token.ts'

const TOKEN = 'q3Vx0f2mW9bqY5l8sJm1cT4eR7uI0oP3aS6dF9gH2jK'

export const FeedFilters = Type.Object({
  completed: Type.Optional(Type.Boolean({ description: 'Only completed (true) or only open (false) todos' })),
  window: Type.Optional(Type.Integer({ minimum: 0, maximum: 99_999, description: 'Only todos due at or before now + this many days, overdue included' }))
}, { additionalProperties: false, description: 'The filters of GET /todos; todos without a deadline are never in a calendar' })

export const FeedCreate = Type.Object({
  name: Type.Optional(Text({ minLength: 1, maxLength: 80, description: 'Calendar name shown by calendar apps (NAME, X-WR-CALNAME)', examples: ['CSSE6400 todos'] })),
  filters: Type.Optional(FeedFilters)
}, { additionalProperties: false, examples: [{ name: 'CSSE6400 todos', filters: { completed: false } }] })
export type FeedCreate = Static<typeof FeedCreate>

export const Feed = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  filters: FeedFilters,
  created_at: Type.String({ description: 'UTC' }),
  changed_at: Type.String({ description: 'UTC: the newest change the feed must show' }),
  rendered_at: Nullable(Type.String({ description: 'UTC: when the snapshot served now was rendered; null before the first' })),
  event_count: Nullable(Type.Integer({ description: 'Events in the snapshot served now' })),
  last_fetched_at: Nullable(Type.String({ description: 'UTC: when a calendar app last polled it' })),
  last_user_agent: Nullable(Type.String({ description: 'Who polled it last, e.g. Google-Calendar-Importer' }))
}, { $id: 'Feed' })

export const FeedWithToken = Type.Object({
  feed: Type.Ref(Feed),
  token: Type.String({ description: 'The secret: shown only now (stored hashed). Rotate it if it leaks.', examples: [TOKEN] }),
  url: Type.String({ description: 'https URL of the feed', examples: [`http://localhost:6400/api/v1/feeds/${TOKEN}.ics`] }),
  webcal_url: Type.String({ description: 'The same as webcal://, which calendar apps open as a subscription', examples: [`webcal://localhost:6400/api/v1/feeds/${TOKEN}.ics`] })
}, { $id: 'FeedWithToken' })

export const FeedIdParams = Type.Object({
  id: Type.String({ ...matching('^[1-9][0-9]{0,9}$', 'must be a positive integer'), description: 'Feed id', examples: ['1'] })
})

export const FeedTokenParams = Type.Object({
  token: Type.String({ description: 'The feed token', examples: [TOKEN] })
})

export { FEED_TOKEN_PATTERN }
