// A worker process's liveness, as Postgres sees it: one dedicated connection that holds a session
// advisory lock keyed by an id of its own for as long as the process lives. When the process dies
// (SIGKILL, OOM, crash), the kernel closes its socket, the backend ends and the lock is released
// at once; a busy event loop or a long job changes nothing (the session is idle, not gone). The
// sweep (sweep.ts) hands back the jobs recorded under an id whose lock nobody holds.
//
// The connection must reach Postgres directly: through PgBouncer in transaction mode a session
// lock stays on a pooled server connection (WORKER_LIVENESS=false there; see the README).
import type { Socket } from 'node:net'
import pg from 'pg'
import type { ReadyConfig } from '../config.ts'
import { connectionOptions } from '../db/connection.ts'
import type { BaseLogger } from '../logger.ts'
import { processName } from '../process-name.ts'

/** The first key of the two-int advisory locks that mark live workers (the second is their id). */
export const LIVENESS_LOCK_NAMESPACE = 1_416_589_164

const REOPEN_EVERY_MS = 1000

/** A live session: the id a worker records its jobs under, and a signal aborted when it ends. */
export interface LivenessSession { id: number, signal: AbortSignal }

export interface LivenessOptions {
  /** Run when the session broke while the process lives on, before the jobs it held are dropped. */
  onLost?: (id: number) => Promise<void>
}

export class WorkerLiveness {
  #session: LivenessSession | undefined
  #closed = false
  #reopening: NodeJS.Timeout | undefined
  #client: pg.Client | undefined
  readonly #config: ReadyConfig
  readonly #logger: BaseLogger
  readonly #onLost: LivenessOptions['onLost']

  private constructor (config: ReadyConfig, logger: BaseLogger, options: LivenessOptions) {
    this.#config = config
    this.#logger = logger
    this.#onLost = options.onLost
  }

  /** Open the liveness session (fails like any first connection when the database is away). */
  static async open (config: ReadyConfig, logger: BaseLogger, options: LivenessOptions = {}): Promise<WorkerLiveness> {
    const liveness = new WorkerLiveness(config, logger, options)
    await liveness.#open()
    return liveness
  }

  /** The current session, or undefined while it is being re-opened (jobs then go untracked). */
  get session (): LivenessSession | undefined { return this.#session }

  /** The backend pid of the session (tests terminate it). */
  backendPid (): number | undefined { return (this.#client as { processID?: number } | undefined)?.processID }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#reopening)
    this.#session = undefined
    const client = this.#client
    this.#client = undefined
    await client?.end().catch(() => {})
  }

  async #open (): Promise<void> {
    const client = new pg.Client(connectionOptions(this.#config.database, processName('liveness')))
    client.on('error', () => {}) // reported through 'end' below; an unheard 'error' kills Node
    await client.connect()
    try {
      // Postgres notices a vanished host (not only a closed socket) by TCP keepalive: ask for
      // probes after 5 s idle, so a powered-off machine's lock goes in about 10 s, not 2 hours.
      await client.query('set tcp_keepalives_idle = 5; set tcp_keepalives_interval = 1; set tcp_keepalives_count = 5')
      const { rows } = await client.query<{ id: number }>("select nextval('worker_liveness_id_seq')::int as id")
      const id = rows[0]!.id
      await client.query('select pg_advisory_lock($1, $2)', [LIVENESS_LOCK_NAMESPACE, id])
      if (this.#closed) throw new Error('liveness closed while opening')
      // Once open, it vouches for the process but is no reason to keep it running (say after a
      // failed start-up). (Not before: a process awaiting only this would exit.)
      ;(client.connection.stream as Partial<Socket>).unref?.()
      const lost = new AbortController()
      this.#client = client
      this.#session = { id, signal: lost.signal }
      client.once('end', () => { this.#lost(client, id, lost).catch(() => {}) })
      this.#logger.debug({ livenessId: id }, 'liveness session open')
    } catch (error) {
      await client.end().catch(() => {})
      throw error
    }
  }

  // The backend ended (terminated, restarted, network cut) but this process lives on: its lock is
  // gone, so any sweep may hand its jobs back. Hand them back now, then stop working on them (a
  // stale attempt stores nothing and cannot complete: see attempt-guard.ts), then re-open.
  async #lost (client: pg.Client, id: number, lost: AbortController): Promise<void> {
    if (this.#client !== client) return // closed on purpose
    this.#client = undefined
    this.#session = undefined
    if (this.#closed) return
    this.#logger.warn({ livenessId: id }, 'liveness session lost: handing back the jobs it held and re-opening')
    await this.#onLost?.(id).catch((err: unknown) => this.#logger.warn({ err }, 'could not hand back the jobs at once; another sweep will'))
    lost.abort(new Error('the worker\'s liveness session ended: the job was handed back'))
    this.#reopen()
  }

  #reopen (): void {
    if (this.#closed) return
    this.#open().then(
      () => this.#logger.info({ livenessId: this.#session?.id }, 'liveness session re-opened'),
      () => {
        // (unref: trying again is no reason to keep a process running that has nothing else to do)
        this.#reopening = setTimeout(() => this.#reopen(), REOPEN_EVERY_MS)
        this.#reopening.unref()
      }
    )
  }
}
