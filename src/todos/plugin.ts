import fp from 'fastify-plugin'
import { todoWriter, type TodoWriter } from './service.ts'

declare module 'fastify' {
  interface FastifyInstance {
    todoWriter: TodoWriter
  }
}

/** The todo writer of an HTTP process: changes commit with the feed renders they cause. */
export const todosPlugin = fp(async (app) => {
  app.decorate('todoWriter', todoWriter(app.db, app.boss))
}, { name: 'todos', dependencies: ['db', 'queue'] })
