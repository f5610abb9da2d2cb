// Loaded into a server process by the latency benchmark's stage run (`--import`), never in
// production: it timestamps what the process does for a job without a line of the service's code
// knowing. HTTP requests arrive and finish (Node's own diagnostics channels), Fastify hands a
// request to its handler (Fastify's channel), every node-postgres query starts and ends, every
// NOTIFY arrives. At exit the events go to BENCH_STAGE_FILE as JSON; bench/lib/stages.ts turns
// them into a per-stage breakdown of each job.
import diagnostics from 'node:diagnostics_channel'
import { writeFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import pg from 'pg'

export interface ProbeEvent {
  /** wall clock in ms with sub-ms precision (timeOrigin + now), comparable across processes */
  t: number
  kind: 'request' | 'handler' | 'response' | 'query' | 'query-end' | 'notification'
  detail: string
  /** the connection (Postgres backend pid) a query or notification went through */
  conn?: number
  /** a query's number, to pair its start and end */
  n?: number
}

const now = () => performance.timeOrigin + performance.now()
const events: ProbeEvent[] = []
const file = process.env.BENCH_STAGE_FILE
const record = (event: ProbeEvent) => { if (events.length < 1_000_000) events.push(event) }

diagnostics.subscribe('http.server.request.start', (message) => {
  const { request } = message as { request: IncomingMessage }
  record({ t: now(), kind: 'request', detail: `${request.method} ${request.url}` })
})
diagnostics.subscribe('http.server.response.finish', (message) => {
  const { request, response } = message as { request: IncomingMessage, response: ServerResponse }
  record({ t: now(), kind: 'response', detail: `${request.method} ${request.url} ${response.statusCode}` })
})
diagnostics.tracingChannel('fastify.request.handler').subscribe({
  start (message) {
    const { request } = message as { request: { method: string, url: string } }
    record({ t: now(), kind: 'handler', detail: `${request.method} ${request.url}` })
  },
  end () {},
  asyncStart () {},
  asyncEnd () {},
  error () {}
})

// Every query, whichever overload: a callback (last argument, or config.callback) or a promise.
type AnyFn = (...args: unknown[]) => unknown
const clientProto = pg.Client.prototype as unknown as { query: AnyFn, emit: AnyFn, processID?: number }
const query = clientProto.query
let counter = 0
clientProto.query = function (this: { processID?: number }, ...args: unknown[]) {
  const first = args[0] as string | { text?: string, callback?: AnyFn } | undefined
  const text = typeof first === 'string' ? first : first?.text ?? ''
  const n = ++counter
  const conn = this.processID
  record({ t: now(), kind: 'query', detail: text.replace(/\s+/g, ' ').trim().slice(0, 300), conn, n })
  const ended = () => record({ t: now(), kind: 'query-end', detail: '', conn, n })
  const last = args.length - 1
  if (typeof args[last] === 'function') {
    const callback = args[last] as AnyFn
    args[last] = (...r: unknown[]) => { ended(); return callback(...r) }
  } else if (first && typeof first === 'object' && typeof first.callback === 'function') {
    const callback = first.callback
    first.callback = (...r: unknown[]) => { ended(); return callback(...r) }
  }
  const result = query.apply(this, args)
  if (result && typeof (result as Promise<unknown>).then === 'function') (result as Promise<unknown>).then(ended, ended)
  return result
}
const emit = clientProto.emit
clientProto.emit = function (this: { processID?: number }, name: unknown, ...args: unknown[]) {
  if (name === 'notification') {
    const { channel } = args[0] as { channel: string }
    record({ t: now(), kind: 'notification', detail: channel, conn: this.processID })
  }
  return emit.call(this, name, ...args)
}

process.on('exit', () => { if (file) writeFileSync(file, JSON.stringify(events)) })
