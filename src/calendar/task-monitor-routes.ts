// The job monitor's API: recent tasks, counts per status and a task's timeline (retrying is
// routes.ts's). Handlers only translate HTTP; the work is in task-list.ts and task-history.ts.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { commonErrors, errorResponse } from '../http/schemas.ts'
import { TaskIdParams } from './schemas.ts'
import { taskTimeline } from './task-history.ts'
import { TaskCounts, TaskListQuery, TaskPage, Timeline } from './task-list-schemas.ts'
import { listTasks, taskCounts } from './task-list.ts'

const tags = ['calendar']
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i
const taskNotFound = { error: 'Task not found' }
const taskNotFoundResponse = errorResponse('No task has this id (or it is malformed, or its retention ended)', taskNotFound.error)

export const taskMonitorRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/todos/ical', {
    schema: {
      tags,
      summary: 'List calendar tasks',
      description: 'Newest first, optionally only those in one status. Page with ?before= set to the "next" of the previous page (keyset paging: stable while tasks are added).',
      querystring: TaskListQuery,
      response: { 200: Type.Ref(TaskPage, { description: 'A page of tasks' }), ...commonErrors("unknown query parameter 'x'") }
    }
  }, async (request) => listTasks(app.db, {
    status: request.query.status,
    limit: Number(request.query.limit ?? 20),
    before: request.query.before
  }))

  app.get('/todos/ical/counts', {
    schema: {
      tags,
      summary: 'Calendar tasks per status',
      response: { 200: Type.Ref(TaskCounts, { description: 'How many tasks are in each status' }), ...commonErrors("unknown query parameter 'x'") }
    }
  }, async () => taskCounts(app.db))

  app.get('/todos/ical/:task_id/timeline', {
    schema: {
      tags,
      summary: 'Timeline of a calendar task',
      description: 'Every state change of the task, with its attempt, the worker that had it, the error of a failed attempt and when. Kept as long as the task.',
      params: TaskIdParams,
      response: { 200: Type.Ref(Timeline, { description: 'The state changes, oldest first' }), 404: taskNotFoundResponse, ...commonErrors("unknown query parameter 'x'") }
    }
  }, async (request, reply) => {
    const id = request.params.task_id
    const events = UUID.test(id) ? await taskTimeline(app.db, id) : []
    if (events.length === 0) return reply.code(404).send(taskNotFound)
    return { task_id: id, events }
  })
}
