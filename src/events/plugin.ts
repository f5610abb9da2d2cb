import fp from 'fastify-plugin'
import { EventHub } from './hub.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** The change feed of this process: one LISTEN connection, fanned out to every stream. */
    events: EventHub
    /** Aborted when the server starts closing: open event streams end then. */
    eventsClosing: AbortSignal
  }
}

export const eventsPlugin = fp(async (app) => {
  const hub = await EventHub.start(app.boss.getDb(), app.db, app.log)
  const closing = new AbortController()
  app.decorate('events', hub)
  app.decorate('eventsClosing', closing.signal)
  // Streams never end by themselves: end them before the server waits for open connections.
  app.addHook('preClose', async () => {
    closing.abort()
    await hub.close()
  })
}, { name: 'events', dependencies: ['db', 'queue'] })
