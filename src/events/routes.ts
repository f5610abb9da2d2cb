// The change feed over HTTP: a Server-Sent Events stream, and a long poll for clients without it.
import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox'
import { HttpError } from '../http/errors.ts'
import { commonErrors } from '../http/schemas.ts'
import { pollEvents } from './poll.ts'
import { PollQuery, PollResponse, StreamQuery } from './schemas.ts'
import { runStream } from './sse.ts'

const tags = ['events']
const EVENT_ID = /^[0-9]{1,15}$/

export const eventRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/events', {
    schema: {
      tags,
      summary: 'Live changes (Server-Sent Events)',
      description: 'A text/event-stream of `task` events (a calendar task changed state) and `todo` events (todos were created, changed or deleted); ' +
        'each data line is the JSON of GET /events/poll\'s events. Every event has an id: a client that reconnects with Last-Event-ID (browsers do) ' +
        'first gets what it missed, possibly with a few events it already had (skip known ids). A new client first gets `ready`; ' +
        'a client that missed more than can be replayed gets `reset` (reload everything).',
      querystring: StreamQuery,
      response: {
        200: { description: 'The stream', content: { 'text/event-stream': { schema: { type: 'string', examples: ['id: 42\nevent: task\ndata: {"kind":"task","seq":42,"task_status":"STARTED",...}\n\n'] } } } },
        ...commonErrors('header Last-Event-ID must be an event id (a whole number) this API handed out')
      }
    }
  }, async (request, reply) => {
    const header = request.headers['last-event-id']
    const raw = (typeof header === 'string' && header !== '' ? header : undefined) ?? request.query.last_event_id
    if (raw !== undefined && !EVENT_ID.test(raw)) throw new HttpError(400, 'header Last-Event-ID must be an event id (a whole number) this API handed out')
    reply.hijack()
    await runStream(reply.raw, { hub: app.events, db: app.db, lastEventId: raw === undefined ? undefined : Number(raw), signal: app.eventsClosing })
      .catch((err: unknown) => {
        request.log.error({ err }, 'event stream failed')
        reply.raw.destroy()
      })
  })

  app.get('/events/poll', {
    schema: {
      tags,
      summary: 'Changes after an event (long poll)',
      description: 'The fallback for clients without Server-Sent Events: the events after ?after=, answered as soon as there is one or after ?wait= seconds.',
      querystring: PollQuery,
      response: { 200: Type.Ref(PollResponse, { description: 'The events, oldest first' }), ...commonErrors("unknown query parameter 'x'") }
    }
  }, async (request, reply) => {
    const gone = new AbortController() // the client hung up, or the server is closing: answer now
    reply.raw.once('close', () => gone.abort())
    const signal = AbortSignal.any([gone.signal, app.eventsClosing])
    return pollEvents(app.events, app.db, Number(request.query.after ?? 0), Number(request.query.wait ?? 0) * 1000, signal)
  })
}
