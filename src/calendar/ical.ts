// Todos in, RFC 5545 text out; pure functions, no I/O. Two ways to the same bytes:
//   buildCalendar   - ical-generator's own calendar and event objects: the reference the tests
//                     compare against, and the baseline of the benchmarks;
//   renderCalendar  - what the service runs: the same lines for the few properties a todo has,
//   (renderCalendarText) assembled per event with ical-generator's own escape(), foldLines()
//                     and formatDate(), so escaping, folding at 75 octets and dates are still
//                     the library's. It skips building an object graph per event (measured:
//                     about twice as fast, and far less garbage), and streams: a calendar of
//                     100,000 todos never exists in memory as objects or as one string.
// test/ical.test.ts proves the two produce identical bytes on tricky text.
import { ICalCalendar, escape, foldLines, formatDate, type ICalEventData } from 'ical-generator'
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

/** UID of a todo's event: the same todo has the same UID in every calendar. */
export const todoUid = (id: number) => `todo-${id}@taskoverflow`

/** The reference rendering: ical-generator's objects all the way. */
export function buildCalendar (todos: Iterable<CalendarTodo>, options: CalendarOptions): string {
  const calendar = newCalendar(options)
  for (const todo of todos) {
    const event = eventData(todo, options)
    if (event) calendar.createEvent(event)
  }
  return `${calendar.toString()}\r\n`
}

/** A whole (small) calendar as one string. */
export function renderCalendarText (todos: Iterable<CalendarTodo>, options: CalendarOptions): string {
  const render = eventRenderer(options)
  let text = calendarHeader(options)
  for (const todo of todos) text += render(todo)
  return text + FOOTER
}

/** A calendar of any size, in pieces of about 64 KB. */
export async function * renderCalendar (todos: AsyncIterable<CalendarTodo> | Iterable<CalendarTodo>, options: CalendarOptions): AsyncGenerator<string> {
  const render = eventRenderer(options)
  let pending = calendarHeader(options)
  for await (const todo of todos) {
    pending += render(todo)
    if (pending.length >= FLUSH_AT) {
      yield pending
      pending = ''
    }
  }
  yield pending + FOOTER
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
    let text = `BEGIN:VEVENT\r\nUID:${todoUid(todo.id)}\r\nSEQUENCE:0\r\nDTSTAMP:${stamp}\r\n` +
      `DTSTART:${formatDate(null, deadlineDate(todo.deadline_at), false, true)}\r\n` +
      `SUMMARY:${escape(todo.title, false)}\r\n`
    if (todo.description !== null) text += `DESCRIPTION:${escape(todo.description, false)}\r\n`
    if (todo.completed) text += `CATEGORIES:${escape('Completed', false)}\r\n`
    return foldLines(`${text}END:VEVENT\r\n`)
  }
}
