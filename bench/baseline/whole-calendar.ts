// Baseline for the big-calendar benchmark: the plain way, in one process. Read every todo at
// once, build the whole calendar in memory with ical-generator, gzip it. Prints JSON.
import { gzipSync } from 'node:zlib'
import pg from 'pg'
import { buildCalendar } from '../../src/calendar/ical.ts'

const client = new pg.Client({ connectionString: process.argv[2] })
await client.connect()
const began = performance.now()
const { rows } = await client.query(
  "select id, title, description, completed, replace(deadline_at::text, ' ', 'T') as deadline_at from todos where deadline_at is not null order by id")
const text = buildCalendar(rows, { prodId: '-//Taskoverflow Calendar//mxm.dk//', stamp: new Date() })
const gzipped = gzipSync(text)
const seconds = (performance.now() - began) / 1000
await client.end()
const { readFileSync } = await import('node:fs')
const peakRssMb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1]) / 1024
console.log(JSON.stringify({ seconds, peakRssMb, bytes: Buffer.byteLength(text), gzipBytes: gzipped.length, events: rows.length }))
