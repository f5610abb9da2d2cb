// The calendar job API: queue a job, follow it (optionally waiting for it), fetch, cancel or
// retry it. Handlers are thin: the task service (tasks.ts) does the work.
import { Readable } from 'node:stream'
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import type { FastifyRequest } from 'fastify'
import { acceptEmptyJsonBody } from '../http/empty-json-body.ts'
import { HttpError } from '../http/errors.ts'
import { checkQueryIntegers } from '../http/query-integers.ts'
import { ErrorResponse, commonErrors, errorResponse, sharedWithExample } from '../http/schemas.ts'
import { TodoFiltersQuery, parseFilters } from '../todos/filters.ts'
import { TaskCreated, TaskError, TaskIdParams, TaskStatusBody, WaitQuery } from './schemas.ts'
import { taskStatusBody, type TaskUrls } from './task-status.ts'

const tags = ['calendar']
const taskNotFound = { error: 'Task not found' }
const taskNotFoundResponse = errorResponse('No task has this id (or it is malformed, or its retention ended)', taskNotFound.error)

const isEmptyBody = (body: unknown) =>
  body === undefined || (typeof body === 'object' && body !== null && !Array.isArray(body) && Object.keys(body).length === 0)

export const calendarRoutes: FastifyPluginAsyncTypebox = async (app) => {
  acceptEmptyJsonBody(app) // POST /todos/ical takes no body, yet clients often send an empty one

  const urlsFor = (request: FastifyRequest, id: string): TaskUrls => {
    // PUBLIC_URL, or a checked host: never an unchecked Host header (http/public-url.ts).
    const base = app.absoluteUrl(request, `/api/v1/todos/ical/${id}`)
    return { status: `${base}/status`, result: `${base}/result` }
  }

  app.post('/todos/ical', {
    schema: {
      tags,
      summary: 'Queue a calendar of the todos',
      description: 'Answers at once with a task id; a worker builds an iCalendar (RFC 5545) file of the todos that have a deadline. ' +
        'Takes no body; the optional filters are those of GET /todos. The calendar shows the todos as they are when a worker starts the task.',
      querystring: TodoFiltersQuery,
      response: {
        202: Type.Ref(TaskCreated, { description: 'Queued; follow task_url (also in the Location header)' }),
        ...commonErrors('POST /todos/ical takes no body: pass the filters in the query string (?completed=true&window=5)')
      }
    },
    preValidation: checkQueryIntegers
  }, async (request, reply) => {
    if (!isEmptyBody(request.body)) {
      throw new HttpError(400, 'POST /todos/ical takes no body: pass the filters in the query string (?completed=true&window=5)')
    }
    const id = await app.calendarTasks.queue(parseFilters(request.query))
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
      response: { 200: Type.Ref(TaskStatusBody, { description: 'The task' }), 404: taskNotFoundResponse, ...commonErrors('query parameter wait must be a whole number of seconds from 0 to 30') }
    },
    preValidation: checkQueryIntegers
  }, async (request, reply) => {
    const id = request.params.task_id
    const waitMs = Number(request.query.wait ?? 0) * 1000
    let job
    if (waitMs === 0) {
      job = await app.calendarTasks.find(id)
    } else {
      const gone = new AbortController() // the client hung up: stop waiting
      reply.raw.once('close', () => gone.abort())
      job = await app.calendarTasks.waitUntilFinished(id, waitMs, gone.signal)
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
        404: Type.Union([Type.Ref(ErrorResponse), Type.Ref(TaskError)], {
          description: 'Unknown task ({"error": "Task not found"}), or not finished yet ({"error": "Task not finished", "task_status": ...})',
          examples: [taskNotFound, { error: 'Task not finished', task_status: 'STARTED' }]
        }),
        409: sharedWithExample(TaskError, 'The task ended in FAILURE or was REVOKED: there is no calendar',
          { error: 'Task was revoked', task_status: 'REVOKED', reason: 'cancelled before it finished' }),
        410: errorResponse('The task succeeded but its calendar is no longer stored', 'The calendar of this task is no longer stored'),
        ...commonErrors('Request body is not valid JSON')
      }
    }
  }, async (request, reply) => {
    const id = request.params.task_id
    const job = await app.calendarTasks.find(id)
    if (!job) return reply.code(404).send(taskNotFound)
    const download = await app.calendarTasks.download(job)
    if (download.ready) {
      return reply
        .header('content-type', 'text/calendar; charset=utf-8')
        .header('content-disposition', `attachment; filename="taskoverflow-${id}.ics"`)
        .header('content-length', download.info.byte_length)
        .send(Readable.from(download.chunks, { objectMode: false }))
    }
    const { status, reason, gone } = download
    if (gone) return reply.code(410).send({ error: 'The calendar of this task is no longer stored' })
    if (status === 'FAILURE') return reply.code(409).send({ error: 'Task failed', task_status: status, reason })
    if (status === 'REVOKED') return reply.code(409).send({ error: 'Task was revoked', task_status: status, reason })
    return reply.code(404).send({ error: 'Task not finished', task_status: status })
  })

  app.delete('/todos/ical/:task_id', {
    schema: {
      tags,
      summary: 'Cancel a calendar task',
      description: 'A task that has not finished becomes REVOKED (a running one stops within seconds). 409 when it already finished.',
      params: TaskIdParams,
      response: {
        200: Type.Ref(TaskStatusBody, { description: 'Cancelled: the task is now REVOKED' }),
        404: taskNotFoundResponse,
        409: sharedWithExample(TaskError, 'The task had already finished', { error: 'Task already finished', task_status: 'SUCCESS' }),
        ...commonErrors('Request body is not valid JSON')
      }
    }
  }, async (request, reply) => {
    const id = request.params.task_id
    const job = await app.calendarTasks.find(id)
    if (!job) return reply.code(404).send(taskNotFound)
    const outcome = await app.calendarTasks.cancel(job)
    if (!outcome.cancelled) return reply.code(409).send({ error: 'Task already finished', task_status: outcome.status })
    return taskStatusBody(outcome.job, urlsFor(request, id))
  })

  app.post('/todos/ical/:task_id/retry', {
    schema: {
      tags,
      summary: 'Retry a failed or cancelled calendar task',
      description: 'A FAILURE task gets one more attempt (RETRY); a REVOKED one is queued again (PENDING). 409 for a task in any other state.',
      params: TaskIdParams,
      response: {
        200: Type.Ref(TaskStatusBody, { description: 'Queued again' }),
        404: taskNotFoundResponse,
        409: sharedWithExample(TaskError, 'The task is not FAILURE or REVOKED', { error: 'Only a FAILURE or REVOKED task can be retried', task_status: 'SUCCESS' }),
        ...commonErrors('This route takes no body')
      }
    }
  }, async (request, reply) => {
    if (!isEmptyBody(request.body)) throw new HttpError(400, 'This route takes no body')
    const id = request.params.task_id
    const job = await app.calendarTasks.find(id)
    if (!job) return reply.code(404).send(taskNotFound)
    const outcome = await app.calendarTasks.retry(job)
    if (!outcome.retried) return reply.code(409).send({ error: 'Only a FAILURE or REVOKED task can be retried', task_status: outcome.status })
    return taskStatusBody(outcome.job, urlsFor(request, id))
  })
}
