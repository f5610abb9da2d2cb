import { matching } from '../http/schemas.ts'

// Deadlines are UTC wall-clock times without an offset, as the course writes them:
// "2023-02-27T00:00:00" is stored and returned exactly so. An input with an offset is a moment in
// time and is converted to UTC ("2023-02-27T10:00:00+10:00" is stored as "2023-02-27T00:00:00");
// "Z" means UTC already. Fractions of a second are kept to the microsecond Postgres stores.

/** The shape the schema accepts; calendar validity (Feb 30, leap years) is checked by toUtcTimestamp. */
export const DATE_TIME = matching(
  '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,6})?(Z|[+-]\\d{2}:\\d{2})?$',
  'must be an ISO 8601 date-time such as 2023-02-27T00:00:00 (optionally with Z or an offset such as +10:00)'
)
const PARTS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d{1,6})?(?:Z|([+-])(\d{2}):(\d{2}))?$/

const pad = (n: number, width = 2) => String(n).padStart(width, '0')

/** The UTC timestamp text to store for an accepted date-time, or undefined when it is not a real one. */
export function toUtcTimestamp (value: string): string | undefined {
  const m = PARTS.exec(value)
  if (!m) return undefined
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number]
  const fraction = m[7] ?? ''
  if (year < 1 || month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month) ||
      hour > 23 || minute > 59 || second > 59) return undefined
  if (m[8] === undefined) return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(hour)}:${pad(minute)}:${pad(second)}${fraction}`

  const offsetHours = Number(m[9])
  const offsetMinutes = Number(m[10])
  if (offsetHours > 23 || offsetMinutes > 59) return undefined
  const sign = m[8] === '+' ? 1 : -1
  // setUTCFullYear, not Date.UTC, which would read years 0-99 as 1900-1999.
  const t = new Date(0)
  t.setUTCFullYear(year, month - 1, day)
  t.setUTCHours(hour, minute - sign * (offsetHours * 60 + offsetMinutes), second, 0)
  const utcYear = t.getUTCFullYear()
  if (utcYear < 1 || utcYear > 9999) return undefined
  return `${pad(utcYear, 4)}-${pad(t.getUTCMonth() + 1)}-${pad(t.getUTCDate())}T` +
    `${pad(t.getUTCHours())}:${pad(t.getUTCMinutes())}:${pad(t.getUTCSeconds())}${fraction}`
}

function daysInMonth (year: number, month: number): number {
  const leap = (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0
  return [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]!
}
