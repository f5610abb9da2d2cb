// The floor of the job-latency benchmark: the same calendar service on the fewest Postgres
// statements that keep its promises, hand-written, no pg-boss, no kysely on the queue path. A 202
// means the job's row is committed and on disk; SUCCESS means the calendar is stored, in the same
// flushed commit that marks the job done. Per job: the INSERT (its trigger NOTIFYs the worker),
// one UPDATE ... SKIP LOCKED to take it (and up to 9 more) (commit not flushed, as migration 0009 makes pg-boss's
// fetch), the same todo read and renderer as ours and the BullMQ peer, and one statement that
// stores the calendar and completes the job. The `?wait` request of a job queued in this process
// is handed the result by the in-process worker, as ours is (settled-waiters.ts).
// No retries, expiry, heartbeats, crash recovery, history or multi-process waiting: what it
// measures is the least a service on Postgres can do for the job: ours / floor is what pg-boss
// and the service add on top of it. (floor / BullMQ is not Postgres against Redis alone: the
// BullMQ peer's status route reads the job from Redis around its wait, as its users write it,
// where the floor, like ours, hands the waiting request the result in-process. The queue
// benchmark's bare queue sets Postgres against Redis without HTTP.)
// The same POST and status routes as ours; no result download (the benchmark does not fetch it).
// Usage: bare-pg-calendar.ts <database url> <port>
import { randomUUID } from 'node:crypto'
import Fastify from 'fastify'
import pg from 'pg'
import { renderCalendarText } from '../../src/calendar/ical.ts'
import { SMALL_CALENDAR_TODOS } from '../../src/calendar/job.ts'
import { TodoFiltersQuery, parseFilters, type TodoFilters } from '../../src/todos/filters.ts'
import { calendarTodosPage } from '../../src/todos/repository.ts'
import { createDatabase, createPool } from '../../src/db/connection.ts'
import { peerConfig } from './bullmq-calendar/calendar-job.ts'
import { sameValidation } from './validation.ts'

const SCHEMA = `
  create schema if not exists floor_calendar;
  create table if not exists floor_calendar.job (id uuid primary key, seq bigint generated always as identity,
    state text not null default 'created', filters jsonb not null, created_on timestamptz not null default now(),
    started_on timestamptz, completed_on timestamptz, events int, bytes int);
  create index if not exists job_created on floor_calendar.job (seq) where state = 'created';
  create table if not exists floor_calendar.calendar (job_id uuid primary key, body text not null);
  create or replace function floor_calendar.wake() returns trigger language plpgsql as $$
  begin perform pg_notify('floor_calendar', ''); return null; end $$;
  create or replace trigger wake after insert on floor_calendar.job for each row execute function floor_calendar.wake();`

const INSERT = { name: 'floor-insert', text: 'insert into floor_calendar.job (id, filters) values ($1, $2)' }
const FETCH = {
  name: 'floor-fetch',
  // = any(array(...)), not in (...): with the limit a parameter, the generic plan of `in` joins
  // the whole table (a sequential scan per fetch once statistics count a backlog).
  text: `update floor_calendar.job set state = 'active', started_on = now() where id = any(array(
           select id from floor_calendar.job where state = 'created' order by seq limit $1 for update skip locked))
         returning id, filters`
}
const COMPLETE = {
  name: 'floor-complete',
  text: `with stored as (insert into floor_calendar.calendar (job_id, body) values ($1, $2))
         update floor_calendar.job set state = 'completed', completed_on = now(), events = $3, bytes = $4
         where id = $1 returning id, state, filters, created_on, started_on, completed_on, events, bytes`
}
const READ = {
  name: 'floor-read',
  text: 'select id, state, filters, created_on, started_on, completed_on, events, bytes from floor_calendar.job where id = $1'
}

interface JobRow {
  id: string
  state: string
  filters: TodoFilters
  created_on: Date
  started_on: Date | null
  completed_on: Date | null
  events: number | null
  bytes: number | null
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const STATUS: Record<string, string> = { created: 'PENDING', active: 'STARTED', completed: 'SUCCESS' }
const body = (row: JobRow, url: string) => ({
  task_id: row.id,
  task_status: STATUS[row.state],
  result_url: `${url}/result`,
  filters: row.filters,
  created_at: row.created_on.toISOString(),
  started_at: row.started_on?.toISOString() ?? null,
  finished_at: row.completed_on?.toISOString() ?? null,
  ...(row.state === 'completed' ? { result: { events: row.events, bytes: row.bytes } } : {})
})

const [databaseUrl, port] = process.argv.slice(2)
const config = peerConfig(databaseUrl!)
const pool = new pg.Pool({ connectionString: databaseUrl, max: config.database.poolMax })
const todos = createDatabase(createPool(config.database, 'floor-peer')) // the same todo read as ours and the BullMQ peer's
await pool.query(SCHEMA)

// Jobs queued here and not yet settled, each with the requests waiting for it.
const unsettled = new Map<string, Array<(row: JobRow) => void>>()

// Up to BATCH jobs a fetch, run one after another; a short batch means none is left, so a job
// queued on its own costs one fetch.
const BATCH = 10

async function runJobs (fetcher: pg.Client): Promise<void> {
  let full = true
  while (full) {
    const { rows } = await fetcher.query<{ id: string, filters: TodoFilters }>({ ...FETCH, values: [BATCH] })
    full = rows.length === BATCH
    for (const job of rows) await runJob(job)
  }
}

async function runJob (job: { id: string, filters: TodoFilters }): Promise<void> {
  const page = await calendarTodosPage(todos, job.filters, 0, SMALL_CALENDAR_TODOS + 1)
  if (page.length > SMALL_CALENDAR_TODOS) throw new Error(`the floor builds small calendars only (${page.length} todos)`)
  const calendar = renderCalendarText(page, { prodId: config.calendar.prodId, stamp: new Date() })
  const { rows: [row] } = await pool.query<JobRow>({ ...COMPLETE, values: [job.id, calendar, page.length, Buffer.byteLength(calendar)] })
  const waiters = unsettled.get(job.id) ?? []
  unsettled.delete(job.id)
  for (const waiter of waiters) waiter(row!)
}

// The inline worker: woken by the INSERT's NOTIFY, it takes jobs until none is left.
const listener = new pg.Client({ connectionString: databaseUrl })
const fetcher = new pg.Client({ connectionString: databaseUrl })
await Promise.all([listener.connect(), fetcher.connect()])
await fetcher.query('set synchronous_commit = off')
let running: Promise<void> | undefined
let again = false
let stopping = false
const wake = () => {
  if (stopping) return
  if (running) { again = true; return }
  running = runJobs(fetcher).then(() => {
    running = undefined
    if (again) { again = false; wake() }
  }, (error) => {
    // No retries here: a failed job would leave its batch active and its waiters hanging, so the
    // benchmark is told at once.
    console.error('floor worker:', error)
    process.exit(1)
  })
}
listener.on('notification', wake)
await listener.query('listen floor_calendar')

const app = Fastify(sameValidation)
const taskUrl = (host: string, id: string) => `http://${host}/api/v1/todos/ical/${id}`

app.post<{ Querystring: TodoFiltersQuery }>('/api/v1/todos/ical', { schema: { querystring: TodoFiltersQuery } }, async (request, reply) => {
  const filters = parseFilters(request.query)
  const id = randomUUID()
  unsettled.set(id, []) // before the INSERT is sent: the worker may settle the job before its answer comes
  try {
    await pool.query({ ...INSERT, values: [id, filters] })
  } catch (error) {
    unsettled.delete(id)
    throw error
  }
  const status = `${taskUrl(request.host, id)}/status`
  return reply.code(202).header('location', status).send({ task_id: id, task_url: status })
})

app.get<{ Params: { id: string }, Querystring: { wait?: string } }>('/api/v1/todos/ical/:id/status', async (request, reply) => {
  const { id } = request.params
  if (!UUID.test(id)) return reply.code(404).send({ error: 'Task not found' })
  const waitMs = Number(request.query.wait ?? 0) * 1000
  const waiters = unsettled.get(id)
  if (waiters && waitMs > 0) {
    // Queued here and not settled: the worker hands the row over as it commits.
    const row = await new Promise<JobRow | undefined>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), waitMs)
      waiters.push((settled) => { clearTimeout(timer); resolve(settled) })
    })
    if (row) return body(row, taskUrl(request.host, id))
  }
  const { rows: [row] } = await pool.query<JobRow>({ ...READ, values: [id] })
  return row ? body(row, taskUrl(request.host, id)) : reply.code(404).send({ error: 'Task not found' })
})

app.get('/api/v1/health', async () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: Number(port) })
process.once('SIGTERM', () => {
  stopping = true
  Promise.all([app.close(), listener.end(), running]).then(() => Promise.all([fetcher.end(), pool.end(), todos.destroy()]))
    .then(() => process.exit(0), () => process.exit(1))
})
wake() // jobs queued before this process listened
console.log('floor calendar server ready')
