// The key a calendar's text is stored under: SHA-256 of the text with each DTSTAMP value left
// out. DTSTAMP says when the text was rendered, so two renders of the same todos differ only
// there; with it left out they are one calendar, stored once. A line that starts with
// "DTSTAMP:" can only be that property: text values are escaped (no bare line breaks) and a
// folded line goes on after CRLF and a space. db/migrations/0007 computes the same hash in SQL.
import { createHash } from 'node:crypto'

const STAMP_VALUE = /(^|\n)DTSTAMP:[^\r\n]*/g
const withoutStamps = (lines: string) => lines.replace(STAMP_VALUE, '$1DTSTAMP:')

/** Hash a calendar given piece by piece, in any pieces: whole lines are hashed as they complete. */
export function calendarHasher () {
  const hash = createHash('sha256')
  let partialLine = ''
  return {
    update (piece: string): void {
      const text = partialLine + piece
      const end = text.lastIndexOf('\n') + 1
      if (end > 0) hash.update(withoutStamps(text.slice(0, end)))
      partialLine = text.slice(end)
    },
    digest (): Buffer {
      hash.update(withoutStamps(partialLine))
      return hash.digest()
    }
  }
}

export function calendarHash (text: string): Buffer {
  const hasher = calendarHasher()
  hasher.update(text)
  return hasher.digest()
}
