// Writing todos: each change commits together with what it causes, the renders of the
// subscription feeds it touches (src/feeds/changes.ts). Reads go straight to the repository.
import type { Kysely } from 'kysely'
import type { Database } from '../db/schema.ts'
import { queueFeedRenders } from '../feeds/changes.ts'
import type { PgBoss } from '../queue/boss.ts'
import { createTodo, deleteTodo, getTodo, updateTodo, type NewTodo, type TodoPatch, type TodoRow } from './repository.ts'

export function todoWriter (db: Kysely<Database>, boss: PgBoss) {
  return {
    create: (todo: NewTodo): Promise<TodoRow> => db.transaction().execute(async (trx) => {
      const created = await createTodo(trx, todo)
      await queueFeedRenders(trx, boss, undefined, created)
      return created
    }),

    update: (id: number, patch: TodoPatch): Promise<TodoRow | undefined> => db.transaction().execute(async (trx) => {
      const before = await getTodo(trx, id, { forUpdate: true })
      if (!before) return undefined
      const after = await updateTodo(trx, id, patch)
      if (after && after.revision !== before.revision) await queueFeedRenders(trx, boss, before, after)
      return after
    }),

    delete: (id: number) => db.transaction().execute(async (trx) => {
      const deleted = await deleteTodo(trx, id)
      if (deleted) await queueFeedRenders(trx, boss, deleted, undefined)
      return deleted
    })
  }
}

export type TodoWriter = ReturnType<typeof todoWriter>
