// The queue demo, standard queue: two subscribers compete for one publisher's 100 messages; and
// the one-line errors (bad input, no database).
import path from 'node:path'
import t from 'tap'
import { freePort } from '../../scripts/free-port.ts'
import { deliveries, demo, demoDatabase, outOfOrder, published, stopWithSummary, subscribe, summaryOf, upTo, waitUntil } from './helpers.ts'

const database = await demoDatabase(t)
const env = { DATABASE_URL: database.url }

t.test('standard queue, two subscribers and one publisher: all 100 delivered, each to one subscriber', async (t) => {
  const subscribers = await Promise.all([subscribe(t, env, 'prac', 'Sub 1'), subscribe(t, env, 'prac', 'Sub 2')])
  t.match(subscribers[0]!.output(), /Queue prac: standard queue/)
  await published(t, demo(t, ['--name', 'prac', '--client-name', 'Client 1'], env), /Client 1 sent 100 messages to prac: 100 accepted, 0 dropped as duplicates/)
  const union = () => new Set(subscribers.flatMap((s) => deliveries(s).map((d) => d.seq)))
  await waitUntil(subscribers, () => union().size === 100, 'Message 0..99 delivered')
  for (const s of subscribers) await stopWithSummary(t, s)

  const [one, two] = subscribers.map((s) => deliveries(s))
  t.same([...union()].sort((a, b) => a - b), upTo(100), 'every message delivered')
  const both = one!.filter((d) => two!.some((e) => e.seq === d.seq))
  t.same(both, [], 'no message went to both subscribers')
  t.ok(one!.every((d) => d.publisher === 'Client 1') && two!.every((d) => d.publisher === 'Client 1'), 'each line names the publisher')
  for (const [s, lines] of [[subscribers[0]!, one!], [subscribers[1]!, two!]] as const) {
    const summary = summaryOf(s).get('Client 1') ?? { received: 0, outOfOrder: 0, duplicates: 0 }
    t.equal(summary.received, lines.length, 'the summary counts what was printed')
    t.equal(summary.outOfOrder, outOfOrder(lines), 'and the disorder that was printed')
    t.equal(summary.duplicates, 0)
  }
  t.comment(`split ${one!.length}/${two!.length}; out of order: ${outOfOrder(one!)} + ${outOfOrder(two!)}`)
})

t.test('bad input and no database: one clear line, exit code 1', async (t) => {
  const cases: Array<[string, string[], NodeJS.ProcessEnv, RegExp]> = [
    ['invalid queue name', ['--name', 'no spaces', '--client-name', 'c'], { DATABASE_URL: database.url }, /^queue-demo: invalid queue name "no spaces"/],
    ['missing --client-name', ['--name', 'q'], { DATABASE_URL: database.url }, /^queue-demo: --client-name is required/],
    ['unreachable database', ['--name', 'q', '--client-name', 'c'], { DATABASE_URL: `postgres://postgres@127.0.0.1:${await freePort()}/nowhere` }, /^queue-demo: cannot reach the database at 127\.0\.0\.1:\d+\/nowhere/],
    ['no DATABASE_URL and no npm start', ['--name', 'q', '--client-name', 'c'], { EMBEDDED_PG_DATA_DIR: path.join(t.testdir({}), 'postgres') }, /^queue-demo: DATABASE_URL is not set .* Start the API first \(npm start\), or set DATABASE_URL\.$/]
  ]
  await Promise.all(cases.map(async ([what, args, env, line]) => {
    const p = demo(t, args, env)
    t.same(await p.exited, { code: 1, signal: null }, `${what}: exit 1`)
    const lines = p.output().trim().split('\n')
    t.equal(lines.length, 1, `${what}: one line`)
    t.match(lines[0], line, what)
  }))
})
