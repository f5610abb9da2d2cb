// One Server-Sent Events stream: a replay of what the client missed (Last-Event-ID), then live
// events from the hub. A client that cannot keep up (more than MAX_BUFFERED bytes waiting in its
// socket) is disconnected rather than buffered without bound; its browser reconnects with the
// id it last saw and is replayed from the tables.
import type { ServerResponse } from 'node:http'
import type { Queryable } from '../db/schema.ts'
import { eventsAfter, latestSeq, type FeedEvent } from './feed.ts'
import type { EventHub } from './hub.ts'

export const MAX_BUFFERED = 1024 * 1024
export const REPLAY_LIMIT = 1000
/** How long a browser waits before reconnecting (the SSE `retry` field). */
export const RECONNECT_MS = 1000

export const formatEvent = (event: FeedEvent): string => `id: ${event.seq}\nevent: ${event.kind}\ndata: ${JSON.stringify(event)}\n\n`
const formatReset = (seq: number) => `id: ${seq}\nevent: reset\ndata: {"seq":${seq}}\n\n`

export interface StreamOptions {
  hub: EventHub
  db: Queryable
  /** The id the client saw last (Last-Event-ID); undefined for a new client. */
  lastEventId: number | undefined
  /** Ends the stream (the server is closing). */
  signal: AbortSignal
}

const PING_MS = 15_000 // a comment line now and then keeps proxies from closing an idle stream

/** Run a stream on a response whose headers the caller has not sent yet. */
export async function runStream (res: ServerResponse, { hub, db, lastEventId, signal }: StreamOptions): Promise<void> {
  let ended = false
  const end = () => {
    if (ended) return
    ended = true
    unsubscribe()
    clearInterval(ping)
    signal.removeEventListener('abort', end)
    if (!res.destroyed) res.end()
  }
  const write = (chunk: string) => {
    if (ended) return
    res.write(chunk)
    if (res.writableLength > MAX_BUFFERED) {
      end()
      res.destroy() // too slow: it will reconnect and replay from the tables
    }
  }
  // Subscribe before reading the tables, so nothing that commits meanwhile falls between them;
  // live events wait in `held` until the replay is written.
  let held: Array<FeedEvent | 'reset'> | undefined = []
  const unsubscribe = hub.subscribe((event) => {
    if (held) held.push(event)
    else write(event === 'reset' ? formatReset(hub.highest) : formatEvent(event))
  })
  const ping = setInterval(() => write(':\n\n'), PING_MS)
  res.once('close', end)
  signal.addEventListener('abort', end, { once: true })
  if (signal.aborted) return end()

  res.writeHead(200, {
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache, no-transform',
    connection: 'keep-alive',
    'x-accel-buffering': 'no' // nginx: do not buffer the stream
  })
  res.write(`retry: ${RECONNECT_MS}\n\n`)
  const replayed = new Set<number>()
  try {
    if (lastEventId === undefined) {
      const seq = await latestSeq(db)
      write(`id: ${seq}\nevent: ready\ndata: {"seq":${seq}}\n\n`)
    } else {
      const replay = await eventsAfter(db, lastEventId, REPLAY_LIMIT)
      if (replay.complete) {
        for (const event of replay.events) {
          replayed.add(event.seq)
          write(formatEvent(event))
        }
      } else write(formatReset(await latestSeq(db))) // missed too much: reload everything
    }
  } catch (error) {
    end()
    throw error
  }
  const pending = held
  held = undefined
  for (const event of pending) {
    if (event === 'reset') write(formatReset(hub.highest))
    else if (!replayed.has(event.seq)) write(formatEvent(event))
  }
}
