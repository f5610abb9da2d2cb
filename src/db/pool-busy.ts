// Waiting for a pool connection is not a database outage. When every connection is lent out,
// pg-pool queues the request and, after connectionTimeoutMillis, fails it with "timeout exceeded
// when trying to connect": the same words as a database that never answers, which the error
// policy would call unavailable. This wrapper tells the two apart (was the pool full when we
// asked?) and bounds the queue, so that an overloaded process answers "busy, retry shortly" at
// once instead of piling up waiters that will time out anyway.
import type pg from 'pg'
import type { PostgresPool } from 'kysely'

/** Every pool connection is in use and too many requests wait already, or one waited too long. */
export class PoolBusyError extends Error {
  override name = 'PoolBusyError'
  readonly code = 'POOL_BUSY'
}

export interface PoolQueueLimits {
  /** requests that may wait for a connection at once; more are refused at once */
  maxWaiting: number
}

/** The pool as kysely uses it, with busy answers; pool.end() still closes the real pool. */
export function busyAwarePool (pool: pg.Pool, { maxWaiting }: PoolQueueLimits): PostgresPool {
  const max = pool.options.max ?? 10
  return {
    async connect () {
      const full = pool.totalCount >= max && pool.idleCount === 0
      if (full && pool.waitingCount >= maxWaiting) {
        throw new PoolBusyError(`all ${max} database connections are in use and ${pool.waitingCount} requests wait already`)
      }
      try {
        return await pool.connect()
      } catch (error) {
        // A full pool's waiter only ever times out; a new connection that does not come is an outage.
        if (full && /timeout exceeded when trying to connect/.test((error as Error).message)) {
          throw new PoolBusyError(`no database connection became free in time (all ${max} in use)`)
        }
        throw error
      }
    },
    end: () => pool.end(),
    options: pool.options,
    Client: (pool as unknown as { Client: PostgresPool['Client'] }).Client
  }
}
