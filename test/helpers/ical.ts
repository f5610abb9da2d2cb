import ical, { type VEvent } from 'node-ical'

/** The VEVENTs of an iCalendar text, read by a real parser. */
export function parseEvents (text: string): VEvent[] {
  return Object.values(ical.sync.parseICS(text)).filter((c): c is VEvent => c?.type === 'VEVENT')
}
