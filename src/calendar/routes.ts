// The calendar job API: queue a job, follow it (optionally waiting for it), fetch or cancel it.
import { Readable } from 'node:stream'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { HttpError } from '../http/errors.ts'
import { ErrorResponse, commonErrors, errorResponse } from '../http/schemas.ts'
import { ICAL_QUEUE, type IcalJobData } from '../queue/queues.ts'
import { TodoFiltersQuery, parseFilters } from '../todos/filters.ts'
import { TaskCreated, TaskError, TaskIdParams, TaskStatusBody, WaitQuery } from './schemas.ts'
import { calendarChunks, calendarInfo } from './store.ts'
import { errorMessage, isFinished, taskStatusBody, taskStatusOf, type IcalJob, type TaskUrls } from './task-status.ts'

const tags = ['calendar']
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const taskNotFound = { error: 'Task not found' }
const taskNotFoundResponse = errorResponse('No task has this id (or it is malformed, or its retention ended)')

export interface CalendarRoutesOptions {
  /** Base of the absolute URLs handed out; default: the scheme and host the request came in on. */
  publicUrl: string | undefined
}

export const calendarRoutes: FastifyPluginAsyncTypebox<CalendarRoutesOptions> = async (app, options) => {
  // POST /todos/ical takes no body, yet clients often send an empty one with
  // Content-Type: application/json, which Fastify's JSON parser rejects. In this plugin only,
  // an empty JSON body is simply no body.
  app.removeContentTypeParser('application/json')
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined)
    try {
      done(null, JSON.parse(body as string))
    } catch {
      done(new HttpError(400, 'Request body is not valid JSON'), undefined)
    }
  })

  const urlsFor = (request: FastifyRequest, id: string): TaskUrls => {
    const base = `${options.publicUrl ?? `${request.protocol}://${request.host}`}/api/v1/todos/ical/${id}`
    return { status: `${base}/status`, result: `${base}/result` }
  }

  /** The job behind a task id; undefined for an unknown or malformed id. */
  const findTask = async (id: string): Promise<IcalJob | undefined> => {
    if (!UUID.test(id)) return undefined
    const [job] = await app.boss.findJobs<IcalJobData>(ICAL_QUEUE, { id })
    return job
  }

  /**
   * The job once it is finished, or as it is at the deadline. Woken by the database when the job
   * settles; a wake-up for another reason (the listener reconnected) just means: look again.
   */
  const waitUntilFinished = async (id: string, deadline: number, gone: AbortSignal): Promise<IcalJob | undefined> => {
    for (;;) {
      const remaining = deadline - Date.now()
      const wait = remaining > 0 && !gone.aborted && app.jobSettled.listening
      const done = new AbortController()
      // Listen before reading, so a job finishing in between still wakes us.
      const settled = wait ? app.jobSettled.settled(id, { timeoutMs: remaining, signal: AbortSignal.any([gone, done.signal]) }) : undefined
      const job = await findTask(id)
      if (!settled || !job || isFinished(taskStatusOf(job))) {
        done.abort()
        return job
      }
      await settled
    }
  }

  app.post('/todos/ical', {
    schema: {
      tags,
      summary: 'Queue a calendar of the todos',
      description: 'Answers at once with a task id; a worker builds an iCalendar (RFC 5545) file of the todos that have a deadline. ' +
        'Takes no body; the optional filters are those of GET /todos. The calendar shows the todos as they are when a worker starts the task.',
      querystring: TodoFiltersQuery,
      response: { 202: Type.Ref(TaskCreated, { description: 'Queued; follow task_url (also in the Location header)' }), ...commonErrors }
    }
  }, async (request, reply) => {
    const body = request.body
    const empty = body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)
    if (!empty) {
      throw new HttpError(400, 'POST /todos/ical takes no body: pass the filters in the query string (?completed=true&window=5)')
    }
    const id = await app.icalJobs.submit({ filters: parseFilters(request.query) })
    const { status } = urlsFor(request, id)
    return reply.code(202).header('location', status).send({ task_id: id, task_url: status })
  })

  app.get('/todos/ical/:task_id/status', {
    schema: {
      tags,
      summary: 'Status of a calendar task',
      description: 'With ?wait=N the answer comes as soon as the task finishes (SUCCESS, FAILURE or REVOKED), or after N seconds: no need to poll.',
      params: TaskIdParams,
      querystring: WaitQuery,
      response: { 200: Type.Ref(TaskStatusBody, { description: 'The task' }), 404: taskNotFoundResponse, ...commonErrors }
    }
  }, async (request, reply) => {
    const id = request.params.task_id
    const waitMs = Number(request.query.wait ?? 0) * 1000
    let job: IcalJob | undefined
    if (waitMs === 0) {
      job = await findTask(id)
    } else {
      const gone = new AbortController() // the client hung up: stop waiting
      reply.raw.once('close', () => gone.abort())
      job = await waitUntilFinished(id, Date.now() + waitMs, gone.signal)
    }
    if (!job) return reply.code(404).send(taskNotFound)
    return taskStatusBody(job, urlsFor(request, id))
  })

  app.get('/todos/ical/:task_id/result', {
    schema: {
      tags,
      summary: 'Download the calendar',
      description: 'text/calendar once the task is SUCCESS. ' +
        '404 while it is PENDING, STARTED or RETRY; 409 when it ended in FAILURE or was REVOKED.',
      params: TaskIdParams,
      response: {
        200: { description: 'The calendar (RFC 5545)', content: { 'text/calendar': { schema: { type: 'string', examples: ['BEGIN:VCALENDAR\r\nVERSION:2.0\r\n...'] } } } },
        404: Type.Union([Type.Ref(ErrorResponse), Type.Ref(TaskError)], { description: 'Unknown task ({"error": "Task not found"}), or not finished yet ({"error": "Task not finished", "task_status": ...})' }),
        409: Type.Ref(TaskError, { description: 'The task ended in FAILURE or was REVOKED: there is no calendar' }),
        410: errorResponse('The task succeeded but its calendar is no longer stored'),
        ...commonErrors
      }
    }
  }, async (request, reply) => {
    const id = request.params.task_id
    const job = await findTask(id)
    if (!job) return reply.code(404).send(taskNotFound)
    const status = taskStatusOf(job)
    if (!isFinished(status)) return reply.code(404).send({ error: 'Task not finished', task_status: status })
    if (status === 'FAILURE') {
      return reply.code(409).send({ error: 'Task failed', task_status: status, reason: errorMessage(job) ?? 'unknown' })
    }
    if (status === 'REVOKED') return reply.code(409).send({ error: 'Task was revoked', task_status: status, reason: 'cancelled before it finished' })

    const info = await calendarInfo(app.db, id)
    if (!info) return reply.code(410).send({ error: 'The calendar of this task is no longer stored' })
    // Streamed a chunk at a time: the API never holds a whole calendar.
    return reply
      .header('content-type', 'text/calendar; charset=utf-8')
      .header('content-disposition', `attachment; filename="taskoverflow-${id}.ics"`)
      .header('content-length', info.byte_length)
      .send(Readable.from(calendarChunks(app.db, info), { objectMode: false }))
  })

  app.delete('/todos/ical/:task_id', {
    schema: {
      tags,
      summary: 'Cancel a calendar task',
      description: 'A task that has not finished becomes REVOKED (a running one stops within seconds). 409 when it already finished.',
      params: TaskIdParams,
      response: { 200: Type.Ref(TaskStatusBody, { description: 'Cancelled: the task is now REVOKED' }), 404: taskNotFoundResponse, 409: Type.Ref(TaskError, { description: 'The task had already finished' }), ...commonErrors }
    }
  }, async (request, reply) => {
    const id = request.params.task_id
    const job = await findTask(id)
    if (!job) return reply.code(404).send(taskNotFound)
    if (isFinished(taskStatusOf(job))) return reply.code(409).send({ error: 'Task already finished', task_status: taskStatusOf(job) })
    await app.boss.cancel(ICAL_QUEUE, id)
    // A job that finished between the read and the cancel keeps its status.
    const after = (await findTask(id)) ?? job
    if (taskStatusOf(after) !== 'REVOKED') return reply.code(409).send({ error: 'Task already finished', task_status: taskStatusOf(after) })
    return taskStatusBody(after, urlsFor(request, id))
  })
}
