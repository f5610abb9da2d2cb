// Where the time of one job goes: the events bench/lib/stage-probe.ts recorded in the server,
// cut into the stages of the job's path (POST -> INSERT -> worker fetch -> todo read (and the
// claim beside it) -> render -> one transaction that completes and stores, sent as one round
// trip (src/db/one-trip.ts) -> waiter handed the
// job -> response), with the statements and commits it took. Statements are recognised by their text (ours and pg-boss's).
import type { ProbeEvent } from './stage-probe.ts'

/** One job as the client saw it: POST sent, 202 received, GET ?wait answered (wall clock, ms). */
export interface ClientMarks { posted: number, accepted: number, answered: number }

type Kind = 'insert' | 'fetch' | 'claim' | 'todo read' | 'attempt lock' | 'store' | 'complete' | 'find' | 'begin' | 'commit' | 'other'

const KINDS: Array<[Kind, RegExp]> = [
  ['insert', /^WITH ins AS \( INSERT INTO pgboss\.job/],
  ['fetch', /^WITH next AS \( SELECT j\.id FROM pgboss\.job\S* j WHERE j\.name = 'ical'/],
  ['claim', /^insert into job_claims/],
  // A batch's read of every distinct filter at once (calendarTodosFirstPages), or a large calendar's pages.
  ['todo read', /from "todos"|^select f\.filter, t\.id, t\.title/],
  ['attempt lock', /^select j\.id from pgboss\.job j join unnest/],
  ['store', /insert into "?calendar/i], // a body, its chunks or a task's row pointing at one
  ['complete', /SET completed_on = \S+ state = 'completed'/],
  ['find', /^SELECT id, name, data, retry_count as "retryCount"/],
  ['begin', /^begin\b/i],
  ['commit', /^commit\b/i]
]

const kindOf = (text: string): Kind => KINDS.find(([, pattern]) => pattern.test(text))?.[0] ?? 'other'

interface Query { kind: Kind, start: number, end: number, text: string, conn?: number }

/** The marks along one job's path; a missing one leaves its stages out of that job. */
interface Path {
  arrived?: number
  handler?: number
  insert?: Query
  fetch?: Query
  claim?: Query
  read?: Query
  /** the BEGIN and COMMIT around the store (the attempt lock, the calendar, and the completion when it is in there) */
  storeBegin?: Query
  store?: Query
  storeCommit?: Query
  complete?: Query
  settledNotice?: number
  answered?: number
  queries: Query[]
}

function queriesOf (events: ProbeEvent[]): Query[] {
  const ends = new Map<number, number>()
  for (const e of events) if (e.kind === 'query-end' && e.n !== undefined) ends.set(e.n, e.t)
  return events.filter((e) => e.kind === 'query')
    .map((e) => ({ kind: kindOf(e.detail), start: e.t, end: ends.get(e.n!) ?? NaN, text: e.detail, conn: e.conn }))
}

function pathOf (events: ProbeEvent[], all: Query[], job: ClientMarks): Path {
  const inWindow = (t: number) => t >= job.posted && t <= job.answered
  const post = events.find((e) => e.kind === 'request' && inWindow(e.t) && e.detail.startsWith('POST '))
  const handler = events.find((e) => e.kind === 'handler' && inWindow(e.t) && e.detail.startsWith('POST '))
  const answered = events.findLast((e) => e.kind === 'response' && inWindow(e.t) && e.detail.startsWith('GET '))
  const queries = all.filter((q) => inWindow(q.start))
  const first = (kind: Kind) => queries.find((q) => q.kind === kind)
  const read = first('todo read')
  // The fetch that got the job: the last to end before the read (another loop may have fetched too).
  const fetch = queries.filter((q) => q.kind === 'fetch' && read && q.end <= read.start).at(-1)
  const complete = first('complete')
  const store = first('store')
  const storeBegin = store && queries.filter((q) => q.kind === 'begin' && q.conn === store.conn && q.start <= store.start).at(-1)
  // (Sent right behind the store, before its answer: the transaction goes as one round trip.)
  const storeCommit = store && queries.find((q) => q.kind === 'commit' && q.conn === store.conn && q.start >= store.start)
  const notice = events.find((e) => e.kind === 'notification' && e.detail === 'taskoverflow_job_settled' && inWindow(e.t))
  return {
    arrived: post?.t,
    handler: handler?.t,
    insert: first('insert'),
    fetch,
    claim: first('claim'),
    read,
    storeBegin,
    store,
    storeCommit,
    complete,
    settledNotice: notice?.t,
    answered: answered?.t,
    queries
  }
}

// The stages of the path, each from one mark to the next (a negative median: the later mark
// usually came first, e.g. a NOTIFY that reaches the worker before the API reads its own commit).
const STAGES: Array<[string, (p: Path) => [number | undefined, number | undefined]]> = [
  ['request parsing (POST arrives -> handler)', (p) => [p.arrived, p.handler]],
  ['handler -> INSERT sent', (p) => [p.handler, p.insert?.start]],
  ['INSERT and commit', (p) => [p.insert?.start, p.insert?.end]],
  ['wake-up (committed -> fetch sent)', (p) => [p.insert?.end, p.fetch?.start]],
  ['fetch', (p) => [p.fetch?.start, p.fetch?.end]],
  ['fetched -> todo read sent', (p) => [p.fetch?.end, p.read?.start]],
  ['todo read', (p) => [p.read?.start, p.read?.end]],
  ['(beside it: the claim, job_claims insert)', (p) => [p.claim?.start, p.claim?.end]],
  ['render (read -> store transaction begins)', (p) => [p.read?.end, p.storeBegin?.start ?? p.store?.start]],
  ['store transaction (BEGIN -> COMMIT answered)', (p) => [p.storeBegin?.start, p.storeCommit?.end]],
  ['of which: the calendar insert', (p) => [p.store?.start, p.store?.end]],
  ['of which: the completion (pg-boss complete)', (p) => [p.complete?.start, p.complete?.end]],
  ['committed -> GET answered (waiter handed the job, response)', (p) => [p.storeCommit?.end ?? p.complete?.end, p.answered]]
]

const median = (values: number[]) => {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b)
  return sorted.length === 0 ? NaN : sorted[Math.floor(sorted.length / 2)]!
}
const ms = (n: number) => Number.isNaN(n) ? 'n/a' : `${n.toFixed(2)} ms`

/** The breakdown as Markdown lines: stage medians, then statements and commits per job. */
export function stageReport (events: ProbeEvent[], jobs: ClientMarks[]): string[] {
  const queries = queriesOf(events)
  const paths = jobs.map((job) => pathOf(events, queries, job))
  const lines = ['| stage (server side, one job at a time) | median |', '| --- | --- |']
  for (const [name, marks] of STAGES) {
    const values = paths.map((p) => {
      const [from, to] = marks(p)
      return from === undefined || to === undefined ? NaN : to - from
    })
    lines.push(`| ${name} | ${ms(median(values))} |`)
  }
  lines.push(`| **POST arrives -> GET answered** | ${ms(median(paths.map((p) => (p.answered ?? NaN) - (p.arrived ?? NaN))))} |`)
  lines.push(`| (client: POST -> 202 / POST -> SUCCESS) | ${ms(median(jobs.map((j) => j.accepted - j.posted)))} / ${ms(median(jobs.map((j) => j.answered - j.posted)))} |`)
  lines.push(`| (settled NOTIFY arrives, from complete sent) | ${ms(median(paths.map((p) => (p.settledNotice ?? NaN) - (p.complete?.start ?? NaN))))} |`)
  // Statements in the job's window, by kind (the median job); commits: writes outside BEGIN, and COMMITs.
  const counts = new Map<Kind, number[]>()
  for (const p of paths) {
    const perKind = new Map<Kind, number>()
    for (const q of p.queries) perKind.set(q.kind, (perKind.get(q.kind) ?? 0) + 1)
    for (const [kind] of KINDS.concat([['other', /./]])) (counts.get(kind) ?? counts.set(kind, []).get(kind)!).push(perKind.get(kind) ?? 0)
  }
  const statements = paths.map((p) => p.queries.length)
  const listed = [...counts].filter(([, v]) => median(v) > 0).map(([kind, v]) => `${kind} ${median(v)}`).join(', ')
  lines.push('', `statements per job (median): ${median(statements)} (${listed}); commits: ${median(paths.map(commitsOf))} (whether one waits for the disk is up to synchronous_commit: see the README)`)
  return lines
}

// A commit each: every COMMIT, and each write of the path (INSERT, the fetch that got the job,
// store, complete) that ran outside a BEGIN on its connection. (Empty fetches write nothing.)
function commitsOf (p: Path): number {
  const open = new Set<number | undefined>()
  const inBlock = new Map<Query, boolean>()
  let commits = 0
  for (const q of p.queries) {
    if (q.kind === 'begin') open.add(q.conn)
    else if (q.kind === 'commit') { commits++; open.delete(q.conn) }
    inBlock.set(q, open.has(q.conn))
  }
  for (const q of [p.insert, p.fetch, p.store, p.complete]) if (q && !inBlock.get(q)) commits++
  return commits
}
