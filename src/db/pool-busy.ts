// Waiting for a pool connection is not a database outage. When every connection is lent out,
// pg-pool queues the request and, after connectionTimeoutMillis, fails it with "timeout exceeded
// when trying to connect": the same words as a database that never answers, which the error
// policy would call unavailable. This wrapper tells the two apart and bounds the queue, so that
// an overloaded process answers "busy, retry shortly" at once instead of piling up waiters that
// would time out anyway.
//
// Busy means: the pool is full *and* some of its connections are lent to requests, i.e. the
// database did answer them. A pool full of connections that are still trying to connect (a
// database that hangs) is an outage, and keeps saying so.
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

/** The pool as kysely uses it, with busy answers; end() still closes the real pool. */
export function busyAwarePool (pool: pg.Pool, { maxWaiting }: PoolQueueLimits): PostgresPool {
  const max = pool.options.max ?? 10
  let lent = 0 // connections handed out (so connected) and not yet released
  const busy = () => pool.totalCount >= max && pool.idleCount === 0 && lent > 0
  return {
    async connect () {
      if (busy() && pool.waitingCount >= maxWaiting) {
        throw new PoolBusyError(`all ${max} database connections are in use and ${pool.waitingCount} requests wait already`)
      }
      const wasBusy = busy()
      let client: pg.PoolClient
      try {
        client = await pool.connect()
      } catch (error) {
        // A waiter of a busy pool only ever times out; a new connection that does not come is an outage.
        if (wasBusy && lent > 0 && /timeout exceeded when trying to connect/.test((error as Error).message)) {
          throw new PoolBusyError(`no database connection became free in time (all ${max} in use)`)
        }
        throw error
      }
      lent++
      const release = client.release // pg-pool sets a fresh one at each checkout
      client.release = (err?: Error | boolean) => {
        lent--
        client.release = release
        return release.call(client, err)
      }
      return client
    },
    end: () => pool.end(),
    options: pool.options,
    Client: (pool as unknown as { Client: PostgresPool['Client'] }).Client
  }
}
