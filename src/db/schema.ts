// The tables this service owns, as kysely sees them. Timestamps are `timestamp without time zone`
// holding UTC wall-clock time; the pool hands them over as ISO 8601 text without an offset
// ("2023-02-27T00:00:00"), exactly as the API writes them (see connection.ts).
import type { Generated, Kysely, Transaction } from 'kysely'

export interface TodosTable {
  id: Generated<number>
  title: string
  description: string | null
  completed: Generated<boolean>
  deadline_at: string | null
  created_at: Generated<string>
  updated_at: Generated<string>
  /** raised by every change: the SEQUENCE of the todo's event in feeds */
  revision: Generated<number>
}

/** A task's finished calendar: which stored body it is (see db/migrations/0007_share_calendar_bodies.ts). */
export interface CalendarsTable {
  task_id: string
  body_id: number
  created_at: Generated<string>
}

/** The text of a calendar, stored once per content: its hash, size and the number of chunks it is in. */
export interface CalendarBodiesTable {
  id: Generated<number>
  /** SHA-256 of the text with the DTSTAMP values left out (src/calendar/body-hash.ts) */
  sha256: Buffer
  event_count: number
  byte_length: number
  chunk_count: number
  created_at: Generated<string>
}

/** Consecutive pieces of a body; concatenated in seq order they are the .ics file. */
export interface CalendarBodyChunksTable {
  body_id: number
  seq: number
  data: string
}

/** A calendar subscription feed and its latest snapshot (see db/migrations/0005_create_feeds.ts). */
export interface FeedsTable {
  id: Generated<number>
  token_hash: Buffer
  name: string
  filters: { completed?: boolean, window?: number }
  created_at: Generated<string>
  revoked_at: string | null
  wanted_version: Generated<number>
  changed_at: Generated<string>
  rendered_version: Generated<number>
  body: string | null
  etag: string | null
  last_modified: string | null
  event_count: number | null
  rendered_at: string | null
  last_fetched_at: string | null
  last_user_agent: string | null
}

export interface Database {
  todos: TodosTable
  calendars: CalendarsTable
  calendar_bodies: CalendarBodiesTable
  calendar_body_chunks: CalendarBodyChunksTable
  feeds: FeedsTable
}

/** What repositories take: the database or a transaction on it. */
export type Queryable = Kysely<Database> | Transaction<Database>
