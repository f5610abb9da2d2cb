// Todos in, RFC 5545 text out; pure functions, no I/O. ical-generator does the escaping, the
// line folding at 75 octets and the CRLF line ends. Two ways to the same bytes:
//   buildCalendar  - ical-generator's own whole-calendar rendering (small inputs, and the
//                    reference the tests compare against);
//   renderCalendar - the same text in pieces, one event at a time, so a calendar of 100,000
//                    todos never has to exist in memory as objects or as one string.
import { ICalCalendar, ICalEvent, foldLines, type ICalEventData } from 'ical-generator'
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

export function buildCalendar (todos: Iterable<CalendarTodo>, options: CalendarOptions): string {
  const calendar = newCalendar(options)
  for (const todo of todos) {
    const event = eventData(todo, options)
    if (event) calendar.createEvent(event)
  }
  return `${calendar.toString()}\r\n`
}

export async function * renderCalendar (todos: AsyncIterable<CalendarTodo> | Iterable<CalendarTodo>, options: CalendarOptions): AsyncGenerator<string> {
  const calendar = newCalendar(options)
  const empty = calendar.toString()
  let pending = empty.slice(0, empty.lastIndexOf(END))
  for await (const todo of todos) {
    const event = eventData(todo, options)
    if (!event) continue
    pending += foldLines(new ICalEvent(event, calendar).toString())
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

/** The event of a todo, or undefined for a todo without a deadline (it has no place in a calendar). */
function eventData (todo: CalendarTodo, options: CalendarOptions): ICalEventData | undefined {
  if (todo.deadline_at === null) return undefined
  return {
    id: todoUid(todo.id),
    // The deadline as written, as floating local time (no zone): ical-generator formats a
    // floating date from its UTC fields, so read the stored wall-clock text as UTC.
    start: new Date(`${todo.deadline_at}Z`),
    floating: true,
    stamp: options.stamp,
    summary: todo.title,
    ...(todo.description === null ? {} : { description: todo.description }),
    ...(todo.completed ? { categories: [{ name: 'Completed' }] } : {})
  }
}
