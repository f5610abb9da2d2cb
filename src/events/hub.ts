// One LISTEN connection per process, fanned out to every subscriber (each open event stream or
// long poll) in memory: a thousand open browser tabs cost one database connection, not a
// thousand. Notifications sent while that connection was down are lost, so after it reconnects
// the hub reads what it missed from the tables and publishes it; subscribers never see an event
// twice from the hub (it remembers the ids it published recently).
import type { Db } from 'pg-boss'
import type { Queryable } from '../db/schema.ts'
import type { BaseLogger } from '../logger.ts'
import { EVENTS_CHANNEL, eventsAfter, latestSeq, parseNotification, type FeedEvent } from './feed.ts'

export type Subscriber = (event: FeedEvent | 'reset') => void

const REMEMBERED = 10_000 // ids kept to drop duplicates between a catch-up and live notifications
const CATCH_UP_LIMIT = 5000

export class EventHub {
  readonly #subscribers = new Set<Subscriber>()
  readonly #seen = new Set<number>()
  readonly #db: Queryable
  readonly #logger: BaseLogger
  #highest = 0
  #close: (() => Promise<void>) | undefined

  private constructor (db: Queryable, logger: BaseLogger) {
    this.#db = db
    this.#logger = logger
  }

  static async start (bossDb: Db, db: Queryable, logger: BaseLogger): Promise<EventHub> {
    if (!bossDb.listen) throw new Error('this pg-boss database adapter cannot LISTEN')
    const hub = new EventHub(db, logger)
    hub.#highest = await latestSeq(db)
    const handle = await bossDb.listen(EVENTS_CHANNEL, (payload) => {
      const event = parseNotification(payload)
      if (event) hub.publish(event)
    }, () => { hub.#catchUp().catch((err: unknown) => logger.warn({ err }, 'event feed: catch-up after reconnect failed')) })
    hub.#close = () => handle.close()
    return hub
  }

  /** Receive every event from now on; returns the unsubscribe function. */
  subscribe (subscriber: Subscriber): () => void {
    this.#subscribers.add(subscriber)
    return () => { this.#subscribers.delete(subscriber) }
  }

  get subscribers (): number {
    return this.#subscribers.size
  }

  /** The highest event id published so far. */
  get highest (): number {
    return this.#highest
  }

  get open (): boolean {
    return this.#close !== undefined
  }

  publish (event: FeedEvent): void {
    if (this.#seen.has(event.seq)) return
    this.#seen.add(event.seq)
    if (this.#seen.size > REMEMBERED) this.#seen.delete(this.#seen.values().next().value!) // oldest first
    if (event.seq > this.#highest) this.#highest = event.seq
    for (const subscriber of this.#subscribers) subscriber(event)
  }

  async close (): Promise<void> {
    const close = this.#close
    this.#close = undefined
    this.#subscribers.clear()
    await close?.()
  }

  async #catchUp (): Promise<void> {
    const replay = await eventsAfter(this.#db, this.#highest, CATCH_UP_LIMIT)
    this.#logger.info({ after: this.#highest, events: replay.events.length }, 'event feed: LISTEN reconnected, caught up from the tables')
    for (const event of replay.events) this.publish(event)
    if (!replay.complete) for (const subscriber of this.#subscribers) subscriber('reset')
  }
}
