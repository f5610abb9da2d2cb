// The queue gauges, filled from the database when Prometheus scrapes (see queue-state.ts). Every
// API process reports the same figures: aggregate them with max(), not sum().
import type { Kysely } from 'kysely'
import { Gauge, type Registry } from 'prom-client'
import type { BaseLogger } from '../logger.ts'
import { LIVE_STATES, readQueueStates, type QueueState } from './queue-state.ts'

const READ_TIMEOUT_MS = 2000

export function registerQueueGauges (registry: Registry, options: { db: () => Kysely<any> | undefined, queues: readonly string[], logger: BaseLogger }) {
  // Both gauges are collected in parallel by one scrape: they share one read of the database.
  let reading: Promise<Map<string, QueueState> | undefined> | undefined
  const read = () => {
    reading ??= readWithin(options, READ_TIMEOUT_MS).finally(() => { reading = undefined })
    return reading
  }
  const tasks = new Gauge({
    name: 'taskoverflow_tasks',
    help: 'Tasks in each state that pg-boss keeps indexed (PENDING, STARTED, RETRY, FAILURE), counted in the database at scrape time; the same in every API process',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect () {
      const states = await read()
      this.reset()
      for (const [queue, state] of states ?? []) {
        for (const name of Object.values(LIVE_STATES)) this.set({ queue, state: name }, state.tasks[name])
      }
    }
  })
  const oldestReady = new Gauge({
    name: 'taskoverflow_task_oldest_ready_age_seconds',
    help: 'How long the oldest task ready to run (PENDING, or a due RETRY) has waited since it became due; 0 when none, at scrape time',
    labelNames: ['queue'],
    registers: [registry],
    async collect () {
      const states = await read()
      this.reset()
      for (const [queue, state] of states ?? []) this.set({ queue }, state.oldestReadySeconds)
    }
  })
  return { tasks, oldestReady }
}

/** The states, or undefined (and a warning) when the database does not answer in time: the scrape still answers. */
async function readWithin ({ db, queues, logger }: { db: () => Kysely<any> | undefined, queues: readonly string[], logger: BaseLogger }, timeoutMs: number) {
  const database = db()
  if (!database) return undefined
  let timer: NodeJS.Timeout | undefined
  try {
    return await Promise.race([
      readQueueStates(database, queues),
      new Promise<never>((_resolve, reject) => { timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs) })
    ])
  } catch (err) {
    logger.warn({ err }, 'metrics: could not read the queue states')
    return undefined
  } finally {
    clearTimeout(timer)
  }
}
