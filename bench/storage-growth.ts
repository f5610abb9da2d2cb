// Storage growth under a flood: one client sends POST /todos/ical as fast as 10 connections
// go for BENCH_FLOOD_SECONDS (30), an API process and a worker process (`npm run worker`) keep up
// as they can, and once every accepted job has settled we read how much the database and the
// calendar tables grew. Two floods: the same request every time (one calendar, asked for again
// and again), and a random filter per request (window 0-399 days, completed or not: up to 1,200
// distinct calendars over 1,000 todos due in the next 400 days). The peer is the layout before
// migration 0007, a copy per task: each task's calendar text as stored (compressed), counted once per task.
import autocannon from 'autocannon'
import { setTimeout as sleep } from 'node:timers/promises'
import { ICAL_QUEUE } from '../src/calendar/queue.ts'
import type { Benchmark } from './context.ts'
import { sql } from './lib/database.ts'
import { startApi, startProcess } from './lib/processes.ts'
import type { Result } from './lib/report.ts'

const MB = 1024 * 1024

interface Sizes { database: number, calendarTables: number, tasks: number, bodies: number }

async function sizes (url: string): Promise<Sizes> {
  const [row] = await sql(url, `
    select pg_database_size(current_database())::float8 as database,
           (pg_total_relation_size('calendars') + pg_total_relation_size('calendar_bodies') + pg_total_relation_size('calendar_body_chunks'))::float8 as "calendarTables",
           (select count(*)::int from calendars) as tasks, (select count(*)::int from calendar_bodies) as bodies`)
  return row
}

/**
 * What the layout before 0007 would hold for the same tasks, a copy each: for every task, the
 * text of its calendar as stored (compressed). Rows and indexes left out: an underestimate.
 */
async function perTaskCopies (url: string): Promise<number> {
  const [row] = await sql(url, `
    select coalesce(sum(t.tasks * s.bytes), 0)::float8 as bytes
    from (select body_id, count(*) as tasks from calendars group by body_id) t
    join (select body_id, sum(pg_column_size(data)) as bytes from calendar_body_chunks group by body_id) s using (body_id)`)
  return row.bytes
}

async function flood (base: string, seconds: number, path: () => string): Promise<number> {
  const prefix = new URL(base).pathname.replace(/\/$/, '')
  const result = await autocannon({
    url: base,
    connections: 10,
    duration: seconds,
    requests: [{ method: 'POST', setupRequest: (request) => ({ ...request, path: prefix + path() }) }]
  })
  if (result.errors > 0 || result.non2xx > 0) throw new Error(`flood: ${result.errors} errors, ${result.non2xx} non-2xx`)
  return result['2xx']
}

async function settled (url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const pending = async () => (await sql(url, "select count(*)::int as n from pgboss.job where name = $1 and state in ('created', 'retry', 'active')", [ICAL_QUEUE]))[0].n
  while (await pending() > 0) {
    if (Date.now() > deadline) throw new Error(`jobs still pending after ${timeoutMs} ms`)
    await sleep(250)
  }
  const [{ failed }] = await sql(url, "select count(*)::int as failed from pgboss.job where name = $1 and state = 'failed'", [ICAL_QUEUE])
  if (failed > 0) throw new Error(`${failed} calendar jobs failed`)
}

export const storageGrowth: Benchmark = async ({ server, smoke, log }) => {
  const seconds = smoke ? 1 : Number(process.env.BENCH_FLOOD_SECONDS ?? 30)
  const db = await server.createDatabase('storage')
  const api = await startApi(db.url, { WORKER_MODE: 'off', LOG_LEVEL: 'warn' }, { quietStdout: true })
  const worker = startProcess('src/worker.ts', { DATABASE_URL: db.url, LOG_LEVEL: 'warn' })
  // 1,000 todos due over the next 400 days, full-length text (about 350 bytes an event).
  await sql(db.url, `
    insert into todos (title, description, completed, deadline_at)
    select left('Todo ' || i || ': read chapter ' || (i % 40) || ', then; summarise the argument, with notes, for the tutorial group', 80),
           left('Notes, part ' || i || E'\\nbring the textbook; check the lecture slides, the recording, and the practical sheet', 120),
           i % 3 = 0, (now() at time zone 'utc') + i * interval '9 hours 36 minutes'
    from generate_series(1, 1000) as i`)
  const results: Result[] = []
  try {
    const scenarios: Array<[string, () => string]> = [
      ['the same request', () => '/todos/ical'],
      ['a random filter per request', () => `/todos/ical?window=${Math.floor(Math.random() * 400)}${Math.random() < 0.5 ? '' : `&completed=${Math.random() < 0.5}`}`]
    ]
    for (const [name, path] of scenarios) {
      const before = await sizes(db.url)
      log(`storage growth: ${name}, 10 connections for ${seconds} s, then every job settled`)
      const accepted = await flood(api.base, seconds, path)
      await settled(db.url, smoke ? 60_000 : 900_000)
      const after = await sizes(db.url)
      const tasks = after.tasks - before.tasks
      const bodies = after.bodies - before.bodies
      const benchmark = `storage growth (${name}, ${seconds} s flood)`
      const note = `${accepted} accepted, ${tasks} calendars, ${bodies} bodies stored; database +${((after.database - before.database) / MB).toFixed(1)} MB in all (queue rows included)`
      results.push({
        benchmark,
        metric: 'calendar tables growth',
        value: (after.calendarTables - before.calendarTables) / MB,
        unit: 'MB',
        baseline: { label: 'a copy per task (layout before 0007): each task\'s text as stored', value: await perTaskCopies(db.url) / MB },
        note
      })
      if (name === 'the same request') await sql(db.url, 'truncate calendars, calendar_bodies, calendar_body_chunks')
    }
    return results
  } finally {
    await worker.stop()
    await api.stop()
  }
}
