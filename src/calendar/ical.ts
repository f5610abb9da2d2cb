// Todos in, RFC 5545 text out; pure functions, no I/O. Two ways to the same bytes:
//   buildCalendar   - ical-generator's own calendar and event objects: the reference the tests
//                     compare against, and the baseline of the benchmarks;
//   renderCalendar  - what the service runs: the same lines for the few properties a todo has,
//   (renderCalendarText) assembled per event with ical-generator's own escape() and foldLines(),
//                     so text escaping and folding at 75 octets are still the library's. It
//                     skips building an object graph per event (measured: about three times as
//                     fast, and far less garbage), and streams: a calendar of 100,000 todos never
//                     exists in memory as objects or as one string.
// test/ical.test.ts proves the two produce identical bytes on tricky text.
import { ICalCalendar, escape, formatDate, type ICalEventData } from 'ical-generator'
import type { CalendarTodo } from '../todos/repository.ts'

export interface CalendarOptions {
  /** PRODID as it should appear, e.g. "-//Taskoverflow Calendar//mxm.dk//" */
  prodId: string
  /** DTSTAMP of every event: when the calendar was made */
  stamp: Date
}

const END = 'END:VCALENDAR'
// ical-generator ends the calendar without a line break; RFC 5545 ends every content line with CRLF.
const FOOTER = `${END}\r\n`
const FLUSH_AT = 64 * 1024

/**
 * RFC 5545 (3.4, 3.6) requires at least one component in a VCALENDAR, and a calendar in which no
 * todo has a deadline would have none: strict parsers (sabre/vobject, which Nextcloud uses,
 * and the icalendar.org validator) reject that. It gets a VTIMEZONE for UTC, a valid component that
 * calendar clients neither show nor act on, as no event refers to it; an event would be seen
 * and an X- component is one that strict parsers may refuse to guess about.
 */
export const EMPTY_CALENDAR_COMPONENT = 'BEGIN:VTIMEZONE\r\nTZID:UTC\r\nBEGIN:STANDARD\r\n' +
  'DTSTART:19700101T000000\r\nTZOFFSETFROM:+0000\r\nTZOFFSETTO:+0000\r\nTZNAME:UTC\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n'

/** UID of a todo's event: the same todo has the same UID in every calendar. */
export const todoUid = (id: number) => `todo-${id}@taskoverflow`

/** The reference rendering: ical-generator's objects all the way. */
export function buildCalendar (todos: Iterable<CalendarTodo>, options: CalendarOptions): string {
  const calendar = newCalendar(options)
  for (const todo of todos) {
    const event = eventData(todo, options)
    if (event) calendar.createEvent(event)
  }
  const text = calendar.toString()
  if (calendar.length() > 0) return `${text}\r\n`
  return `${text.slice(0, text.lastIndexOf(END))}${EMPTY_CALENDAR_COMPONENT}${FOOTER}`
}

/** A whole (small) calendar as one string. */
export function renderCalendarText (todos: Iterable<CalendarTodo>, options: CalendarOptions): string {
  const render = eventRenderer(options)
  const header = calendarHeader(options)
  let text = header
  for (const todo of todos) text += render(todo)
  return text + (text.length === header.length ? EMPTY_CALENDAR_COMPONENT : '') + FOOTER
}

/**
 * A calendar of any size from its todos page by page, in pieces of about 64 KB. Pages, not single
 * todos, cross the async boundary: 100,000 awaits per calendar would be pure garbage.
 */
export async function * renderCalendar (pages: AsyncIterable<Iterable<CalendarTodo>> | Iterable<Iterable<CalendarTodo>>, options: CalendarOptions): AsyncGenerator<string> {
  const render = eventRenderer(options)
  let pending = calendarHeader(options)
  let empty = true
  for await (const page of pages) {
    for (const todo of page) {
      const event = render(todo)
      if (event === '') continue
      pending += event
      empty = false
      if (pending.length >= FLUSH_AT) {
        yield pending
        pending = ''
      }
    }
  }
  yield pending + (empty ? EMPTY_CALENDAR_COMPONENT : '') + FOOTER
}

function newCalendar (options: CalendarOptions): ICalCalendar {
  // ical-generator writes "PRODID:-" followed by the id it is given.
  return new ICalCalendar({ prodId: options.prodId.replace(/^-/, '') })
}

function calendarHeader (options: CalendarOptions): string {
  const empty = newCalendar(options).toString()
  return empty.slice(0, empty.lastIndexOf(END))
}

/** The deadline as written, as floating local time: ical-generator formats it from the UTC fields. */
const deadlineDate = (deadline: string) => new Date(`${deadline}Z`)

/** A todo's VEVENT, or undefined for a todo without a deadline (it has no place in a calendar). */
function eventData (todo: CalendarTodo, options: CalendarOptions): ICalEventData | undefined {
  if (todo.deadline_at === null) return undefined
  return {
    id: todoUid(todo.id),
    start: deadlineDate(todo.deadline_at),
    floating: true,
    stamp: options.stamp,
    summary: todo.title,
    ...(todo.description === null ? {} : { description: todo.description }),
    ...(todo.completed ? { categories: [{ name: 'Completed' }] } : {})
  }
}

/** The same VEVENT as ical-generator's ICalEvent.toString() writes for eventData(), folded. */
function eventRenderer (options: CalendarOptions): (todo: CalendarTodo) => string {
  const stamp = formatDate(null, options.stamp)
  return (todo) => {
    if (todo.deadline_at === null) return ''
    // Only SUMMARY and DESCRIPTION can be longer than a line or hold non-ASCII text; the other
    // lines are short ASCII, which folding leaves as they are.
    let text = `BEGIN:VEVENT\r\nUID:${todoUid(todo.id)}\r\nSEQUENCE:0\r\nDTSTAMP:${stamp}\r\n` +
      `DTSTART:${floatingDateTime(todo.deadline_at)}\r\n` +
      `${foldLine(`SUMMARY:${escape(todo.title, false)}`)}\r\n`
    if (todo.description !== null) text += `${foldLine(`DESCRIPTION:${escape(todo.description, false)}`)}\r\n`
    if (todo.completed) text += 'CATEGORIES:Completed\r\n'
    return `${text}END:VEVENT\r\n`
  }
}

/**
 * RFC 5545 line folding, exactly as ical-generator's foldLines() does it for one line (at most
 * 74 octets on the first line and after each CRLF + space, never inside a UTF-8 sequence), but
 * cutting the line into slices instead of rebuilding it a character at a time: that loop was the
 * largest source of garbage in a 100,000-event calendar. test/ical.test.ts checks the two agree
 * on thousands of random lines.
 */
export function foldLine (line: string): string {
  let ascii = true
  for (let i = 0; i < line.length; i++) {
    if (line.charCodeAt(i) > 127) {
      ascii = false
      break
    }
  }
  if (ascii) {
    if (line.length <= 74) return line
    let folded = line.slice(0, 74)
    for (let i = 74; i < line.length; i += 74) folded += `\r\n ${line.slice(i, i + 74)}`
    return folded
  }
  let folded = ''
  let start = 0
  let octets = 0
  for (let i = 0; i < line.length; i++) {
    const code = line.charCodeAt(i)
    const pair = code >= 0xD800 && code <= 0xDBFF
    const size = code < 0x80 ? 1 : code < 0x800 ? 2 : pair ? 4 : 3
    octets += size
    if (octets > 74) {
      folded += `${line.slice(start, i)}\r\n `
      start = i
      octets = size
    }
    if (pair) i++
  }
  return folded + line.slice(start)
}

/**
 * "2023-02-27T09:30:00(.123456)" -> "20230227T093000": what formatDate() makes of the deadline as
 * floating time, read straight from the text (100,000 events, 100,000 Dates fewer).
 */
function floatingDateTime (deadline: string): string {
  return deadline.slice(0, 4) + deadline.slice(5, 7) + deadline.slice(8, 13) + deadline.slice(14, 16) + deadline.slice(17, 19)
}
