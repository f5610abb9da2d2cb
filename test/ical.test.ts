// The calendar builder on its own: pure functions, checked against RFC 5545 by hand and by a
// real iCalendar parser (node-ical).
import t from 'tap'
import { foldLines } from 'ical-generator'
import { EMPTY_CALENDAR_COMPONENT, buildCalendar, foldLine, renderCalendar, renderCalendarText, todoUid } from '../src/calendar/ical.ts'
import type { CalendarTodo } from '../src/todos/repository.ts'
import ical from 'node-ical'
import { parseEvents } from './helpers/ical.ts'

const options = { prodId: '-//Taskoverflow Calendar//mxm.dk//', stamp: new Date('2026-11-25T10:00:00Z') }
const todo = (id: number, fields: Partial<CalendarTodo> = {}): CalendarTodo =>
  ({ id, title: `todo ${id}`, description: null, completed: false, deadline_at: '2023-02-27T00:00:00', ...fields })

async function rendered (todos: CalendarTodo[]): Promise<{ text: string, pieces: number }> {
  let text = ''
  let pieces = 0
  // In pages of 1,000, as the repository reads them.
  const pages = Array.from({ length: Math.ceil(todos.length / 1000) }, (_, i) => todos.slice(i * 1000, i * 1000 + 1000))
  for await (const piece of renderCalendar(pages, options)) {
    text += piece
    pieces++
  }
  return { text, pieces }
}

const tricky: CalendarTodo[] = [
  todo(1, { title: 'Commas, semicolons; and a backslash \\ in "quotes"', description: 'line one\nline two\r\nline three' }),
  todo(2, { title: '😀'.repeat(40), description: 'ünïcödé — 中文 — עברית' }),
  todo(3, { title: 'x'.repeat(200), description: `${'long description '.repeat(12)}end`, completed: true }),
  todo(4, { title: 'no deadline', deadline_at: null }),
  todo(5, { title: 'fraction', deadline_at: '2024-02-29T23:59:59.999999' }),
  todo(6, { title: 'empty description', description: '' }),
  todo(7, { title: 'tabs\tand ^carets^ and "quotes" and : colons', description: 'ends with a backslash \\' }),
  todo(8, { title: 'é'.repeat(37) + '😀' + 'x', description: '\n\r\r\n' })
]

t.test('the header: VERSION 2.0 and the PRODID exactly as configured', async (t) => {
  const text = buildCalendar([], options)
  t.equal(text, `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Taskoverflow Calendar//mxm.dk//\r\n${EMPTY_CALENDAR_COMPONENT}END:VCALENDAR\r\n`)
})

t.test('the service renderings and ical-generator objects give the same bytes, tricky text included', async (t) => {
  const whole = buildCalendar(tricky, options)
  t.equal((await rendered(tricky)).text, whole, 'streamed')
  t.equal(renderCalendarText(tricky, options), whole, 'as one string')
  const many = Array.from({ length: 3000 }, (_, i) => todo(i + 1, { title: `todo ${i + 1}; with, punctuation` }))
  const { text, pieces } = await rendered(many)
  t.ok(pieces > 1, `a large calendar comes in several pieces (${pieces})`)
  t.equal(text, buildCalendar(many, options))
})

t.test('RFC 5545 framing: CRLF line ends, lines folded at 75 octets without splitting characters', async (t) => {
  const text = buildCalendar(tricky, options)
  t.ok(text.endsWith('\r\n'))
  t.notMatch(text, /[^\r]\n/, 'no bare LF')
  for (const line of text.split('\r\n')) {
    t.ok(Buffer.byteLength(line) <= 75, `at most 75 octets: ${line.slice(0, 30)}...`)
    t.notOk(line.includes('\uFFFD'), 'no broken characters')
  }
  t.match(text, /SUMMARY:Commas\\, semicolons\\; and a backslash \\\\ in "quotes"/)
  t.match(text, /DESCRIPTION:line one\\nline two\\nline three/)
})

t.test('a real parser reads back every field', async (t) => {
  const events = parseEvents(buildCalendar(tricky, options))
  t.equal(events.length, tricky.filter((x) => x.deadline_at !== null).length, 'one VEVENT per todo with a deadline')
  const byUid = new Map(events.map((e) => [e.uid, e]))
  for (const source of tricky.filter((x) => x.deadline_at !== null)) {
    const event = byUid.get(todoUid(source.id))
    t.ok(event, `event of todo ${source.id}`)
    t.equal(event?.summary, source.title)
    // iCalendar text has one line break, \n: CRLF and a lone CR come back as \n.
    t.equal(event?.description, source.description === null ? undefined : source.description.replace(/\r\n|\r/g, '\n'))
  }
  t.same(byUid.get(todoUid(3))?.categories, ['Completed'], 'completed todos are marked')
  t.notOk(byUid.get(todoUid(1))?.categories?.length, 'open todos are not')
})

t.test('DTSTART is the deadline as written, floating, whatever the machine time zone', async (t) => {
  const original = process.env.TZ
  t.teardown(() => { process.env.TZ = original })
  for (const zone of ['UTC', 'Australia/Brisbane', 'America/New_York', 'Asia/Kathmandu']) {
    process.env.TZ = zone
    const text = buildCalendar([todo(1, { deadline_at: '2023-02-27T00:00:00' }), todo(2, { deadline_at: '2023-12-31T23:30:15' })], options)
    t.match(text, /\r\nDTSTART:20230227T000000\r\n/, zone)
    t.match(text, /\r\nDTSTART:20231231T233015\r\n/, zone)
    t.match(text, /\r\nDTSTAMP:20261125T100000Z\r\n/, zone)
  }
})

t.test('UIDs are stable per todo across calendars', async (t) => {
  const first = buildCalendar([todo(7), todo(8)], options)
  const second = buildCalendar([todo(8, { title: 'renamed' })], { ...options, stamp: new Date() })
  const uids = (text: string) => [...text.matchAll(/\r\nUID:([^\r]+)/g)].map((m) => m[1])
  t.same(uids(first), ['todo-7@taskoverflow', 'todo-8@taskoverflow'])
  t.same(uids(second), ['todo-8@taskoverflow'])
})

t.test('todos without a deadline produce no event and no error', async (t) => {
  const text = buildCalendar([todo(1, { deadline_at: null }), todo(2, { deadline_at: null })], options)
  t.notMatch(text, /VEVENT/)
  t.equal((await rendered([todo(1, { deadline_at: null })])).text, text.replace(/\r\n$/, '') + '\r\n')
})

t.test('a calendar without events still has the one component RFC 5545 requires', async (t) => {
  for (const todos of [[], [todo(1, { deadline_at: null })]] as CalendarTodo[][]) {
    const text = (await rendered(todos)).text
    t.equal(text, buildCalendar(todos, options), 'both renderings agree')
    const components = [...text.matchAll(/^BEGIN:(\w+)\r$/gm)].map((m) => m[1])
    t.same(components, ['VCALENDAR', 'VTIMEZONE', 'STANDARD'], 'one VTIMEZONE (with its STANDARD part), no event')
    t.match(text, /\r\nEND:VTIMEZONE\r\nEND:VCALENDAR\r\n$/)
    const parsed = Object.values(ical.sync.parseICS(text)).map((c) => c?.type).filter((type) => type !== 'VCALENDAR')
    t.same(parsed, ['VTIMEZONE'], 'node-ical reads a timezone and no event')
  }
  const withEvent = await rendered([todo(1)])
  t.notMatch(withEvent.text, /VTIMEZONE/, 'a calendar with events has no VTIMEZONE')
})

t.test('folding agrees with ical-generator on thousands of random lines', async (t) => {
  // ASCII, 2-, 3- and 4-byte UTF-8 characters, in runs that land on every fold boundary.
  const alphabet = ['a', 'Z', ' ', ',', ';', '\\', 'é', 'ß', 'Ω', '中', '€', '😀', '🎉', '𝄞']
  let seed = 42
  const random = (n: number) => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  }
  let disagreements = 0
  for (let i = 0; i < 5000; i++) {
    const length = random(300)
    let line = 'SUMMARY:'
    for (let j = 0; j < length; j++) line += alphabet[random(i % 3 === 0 ? 5 : alphabet.length)]
    if (foldLine(line) !== foldLines(line)) disagreements++
  }
  t.equal(disagreements, 0)
})
