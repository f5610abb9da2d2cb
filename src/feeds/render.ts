// A feed's calendar: pure and deterministic, so an unchanged feed keeps the same bytes and ETag.
// Events are sorted by UID; DTSTAMP and LAST-MODIFIED are the todo's updated_at and SEQUENCE its
// revision, never "now" (calendar apps update an event only when its UID is stable and its
// sequence or stamp is newer). UIDs are those of the one-off calendars. Feeds are rendered off
// the request path, so ical-generator's own objects are fast enough here.
import { createHash } from 'node:crypto'
import { ICalCalendar } from 'ical-generator'
import { EMPTY_CALENDAR_COMPONENT, todoUid } from '../calendar/ical.ts'

export interface FeedTodo {
  id: number
  title: string
  description: string | null
  completed: boolean
  deadline_at: string
  updated_at: string
  revision: number
}

export interface FeedOptions {
  prodId: string
  name: string
  /** REFRESH-INTERVAL and X-PUBLISHED-TTL: how often calendar apps should poll */
  refreshSeconds: number
}

const utc = (timestamp: string) => new Date(`${timestamp}Z`)

export function renderFeed (todos: FeedTodo[], options: FeedOptions): string {
  const calendar = new ICalCalendar({ prodId: options.prodId.replace(/^-/, ''), name: options.name, ttl: options.refreshSeconds })
  const byUid = todos.map((todo) => ({ uid: todoUid(todo.id), todo })).sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0))
  for (const { uid, todo } of byUid) {
    calendar.createEvent({
      id: uid,
      sequence: todo.revision,
      start: utc(todo.deadline_at),
      floating: true,
      stamp: utc(todo.updated_at),
      lastModified: utc(todo.updated_at),
      summary: todo.title,
      ...(todo.description === null ? {} : { description: todo.description }),
      ...(todo.completed ? { categories: [{ name: 'Completed' }] } : {})
    })
  }
  const text = calendar.toString()
  if (todos.length > 0) return `${text}\r\n`
  // As the one-off calendars: RFC 5545 wants at least one component (see ical.ts).
  return `${text.slice(0, text.lastIndexOf('END:VCALENDAR'))}${EMPTY_CALENDAR_COMPONENT}END:VCALENDAR\r\n`
}

/** The ETag: a hash of the bytes served. */
export const feedEtag = (body: string) => `"${createHash('sha256').update(body).digest('base64url')}"`
