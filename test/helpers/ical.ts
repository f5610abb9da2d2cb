import ical, { type VEvent } from 'node-ical'

/** The VEVENTs of an iCalendar text, read by a real parser. */
export function parseEvents (text: string): VEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT')
}

/**
 * The same for a large calendar: node-ical's time grows faster than linearly with the events of
 * one text (4,500 events: ~20 s), so each run of 50 VEVENTs is parsed as a calendar of its own
 * (~1 s). Throws unless the header, the VEVENTs and END:VCALENDAR put together are the whole text.
 */
export function parseManyEvents (text: string, group = 50): VEvent[] {
  const blocks = text.match(/BEGIN:VEVENT\r\n[\s\S]*?END:VEVENT\r\n/g) ?? []
  const header = text.slice(0, text.indexOf('BEGIN:VEVENT'))
  if (header + blocks.join('') + 'END:VCALENDAR\r\n' !== text) throw new Error('not one calendar of VEVENTs')
  const events: VEvent[] = []
  for (let i = 0; i < blocks.length; i += group) events.push(...parseEvents(`${header}${blocks.slice(i, i + group).join('')}END:VCALENDAR\r\n`))
  return events
}
