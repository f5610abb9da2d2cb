// The calendar service built on BullMQ + Redis, as a user of BullMQ would write it: the same
// routes as ours (POST /api/v1/todos/ical, GET .../status?wait=N, GET .../result), the same query
// string validation, the job added to a BullMQ queue, `?wait` answered through QueueEvents
// (job.waitUntilFinished), the status read back from Redis. Like `npm start`, it also works jobs
// in the same process unless started with --no-inline-worker.
// Usage: server.ts <database url> <port> [--no-inline-worker]
import Fastify from 'fastify'
import { Job, Queue, QueueEvents } from 'bullmq'
import { TodoFiltersQuery, parseFilters } from '../../../src/todos/filters.ts'
import { CALENDAR_QUEUE, bullmqOptions, type CalendarJobData, type CalendarJobResult } from './calendar-job.ts'
import { startCalendarWorker } from './worker.ts'
import { sameValidation } from '../validation.ts'

const [databaseUrl, port] = process.argv.slice(2)
const queue = new Queue<CalendarJobData>(CALENDAR_QUEUE, bullmqOptions())
const events = new QueueEvents(CALENDAR_QUEUE, bullmqOptions())
await events.waitUntilReady()
const worker = process.argv.includes('--no-inline-worker') ? undefined : await startCalendarWorker(databaseUrl!)

const STATUS: Record<string, string> = { completed: 'SUCCESS', failed: 'FAILURE', active: 'STARTED', waiting: 'PENDING', delayed: 'RETRY', prioritized: 'PENDING', 'waiting-children': 'PENDING' }

async function statusBody (job: Job<CalendarJobData, CalendarJobResult>, base: string) {
  const state = await job.getState()
  const result = job.returnvalue
  return {
    task_id: job.id,
    task_status: STATUS[state] ?? 'PENDING',
    result_url: `${base}/result`,
    filters: job.data.filters,
    created_at: new Date(job.timestamp).toISOString(),
    started_at: job.processedOn ? new Date(job.processedOn).toISOString() : null,
    finished_at: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
    ...(state === 'completed' && result ? { result: { events: result.events, bytes: result.bytes } } : {})
  }
}

const app = Fastify(sameValidation)
const taskUrl = (host: string, id: string) => `http://${host}/api/v1/todos/ical/${id}`

app.post<{ Querystring: TodoFiltersQuery }>('/api/v1/todos/ical', { schema: { querystring: TodoFiltersQuery } }, async (request, reply) => {
  const job = await queue.add('ical', { filters: parseFilters(request.query) })
  const status = `${taskUrl(request.host, job.id!)}/status`
  return reply.code(202).header('location', status).send({ task_id: job.id, task_url: status })
})

app.get<{ Params: { id: string }, Querystring: { wait?: string } }>('/api/v1/todos/ical/:id/status', async (request, reply) => {
  let job = await Job.fromId<CalendarJobData, CalendarJobResult>(queue, request.params.id)
  if (!job) return reply.code(404).send({ error: 'Task not found' })
  const waitMs = Number(request.query.wait ?? 0) * 1000
  if (waitMs > 0) {
    // Resolves at once when it already finished; rejects on failure or after the wait: either way, read it again.
    await job.waitUntilFinished(events, waitMs).catch(() => {})
    job = (await Job.fromId<CalendarJobData, CalendarJobResult>(queue, request.params.id))!
  }
  return statusBody(job, taskUrl(request.host, job.id!))
})

app.get<{ Params: { id: string } }>('/api/v1/todos/ical/:id/result', async (request, reply) => {
  const job = await Job.fromId<CalendarJobData, CalendarJobResult>(queue, request.params.id)
  if (!job) return reply.code(404).send({ error: 'Task not found' })
  if (!job.returnvalue) return reply.code(404).send({ error: 'Task not finished', task_status: STATUS[await job.getState()] })
  return reply.header('content-type', 'text/calendar; charset=utf-8').send(job.returnvalue.calendar)
})

app.get('/api/v1/health', async () => ({ status: 'ok' }))

await app.listen({ host: '127.0.0.1', port: Number(port) })
process.once('SIGTERM', () => {
  Promise.all([app.close(), worker?.close(), events.close(), queue.close()]).then(() => process.exit(0), () => process.exit(1))
})
console.log('bullmq calendar server ready')
