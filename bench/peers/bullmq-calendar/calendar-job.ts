// The calendar job of the BullMQ peer: the same todo read (the service's own query, prepared the
// same way, on the same Postgres) and the same calendar bytes (the service's renderer); the
// calendar is the job's return value, kept in Redis, as BullMQ users return results.
// Small calendars only (up to SMALL_CALENDAR_TODOS todos): what the latency and drain benchmarks
// ask for; a big calendar in one Redis value is exactly what the service avoids.
import type { Job } from 'bullmq'
import { loadConfig, withDatabaseUrl } from '../../../src/config.ts'
import { renderCalendarText } from '../../../src/calendar/ical.ts'
import { SMALL_CALENDAR_TODOS } from '../../../src/calendar/job.ts'
import { createDatabase, createPool } from '../../../src/db/connection.ts'
import type { TodoFilters } from '../../../src/todos/filters.ts'
import { calendarTodosPage } from '../../../src/todos/repository.ts'
import { redisConnection } from '../../lib/redis.ts'

export const CALENDAR_QUEUE = 'ical'
export interface CalendarJobData { filters: TodoFilters }
export interface CalendarJobResult { events: number, bytes: number, calendar: string }

/** Redis connection and key prefix shared by the peer's server, its worker and the benchmark. */
export const bullmqOptions = () => ({ connection: redisConnection, prefix: process.env.BENCH_BULLMQ_PREFIX ?? 'bench-calendar' })

/** The service's configuration defaults (pool size, PRODID) for a database URL. */
export const peerConfig = (databaseUrl: string) => withDatabaseUrl(loadConfig({ LOG_LEVEL: 'silent' }), databaseUrl)

export function calendarProcessor (databaseUrl: string) {
  const config = peerConfig(databaseUrl)
  const db = createDatabase(createPool(config.database, 'bullmq-peer'))
  const process = async (job: Job<CalendarJobData>): Promise<CalendarJobResult> => {
    const todos = await calendarTodosPage(db, job.data.filters, 0, SMALL_CALENDAR_TODOS + 1)
    if (todos.length > SMALL_CALENDAR_TODOS) throw new Error(`the BullMQ peer builds small calendars only (${todos.length} todos)`)
    const calendar = renderCalendarText(todos, { prodId: config.calendar.prodId, stamp: new Date() })
    return { events: todos.length, bytes: Buffer.byteLength(calendar), calendar }
  }
  return { process, close: () => db.destroy() }
}
