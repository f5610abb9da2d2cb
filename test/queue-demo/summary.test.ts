// The subscriber's summary, its arguments, queue kinds and de-duplication ids: pure parts.
import t from 'tap'
import { ArgsError, parseDemoArgs } from '../../src/queue-demo/args.ts'
import { dedupIds, withinWindow } from '../../src/queue-demo/dedup.ts'
import type { DemoMessage } from '../../src/queue-demo/message.ts'
import { deliveryLine } from '../../src/queue-demo/message.ts'
import { QueueNameError, queueKind } from '../../src/queue-demo/queue-kind.ts'
import { formatSummary, percentile, Tally } from '../../src/queue-demo/summary.ts'

const sentAt = '2026-11-27T10:00:00.000Z'
const msg = (publisher: string, seq: number, run = 'r1'): DemoMessage => ({ publisher, body: `Message ${seq}`, seq, run, sentAt })
const at = (ms: number) => new Date(Date.parse(sentAt) + ms)

t.test('in-order deliveries: no disorder, and the report says so', async (t) => {
  const tally = new Tally()
  for (let i = 0; i < 5; i++) tally.record({ message: msg('Client 1', i), receivedAt: at(10 * (i + 1)) })
  const s = tally.summary()
  t.same(s.publishers, [{ publisher: 'Client 1', received: 5, outOfOrder: 0, largestGap: 0, duplicates: 0 }])
  t.match(formatSummary(s).join('\n'), /every publisher's messages arrived in the order they were sent/)
})

t.test('out-of-order deliveries are counted per publisher, with the largest gap', async (t) => {
  const tally = new Tally()
  for (const seq of [0, 3, 1, 2, 4, 9, 5]) tally.record({ message: msg('A', seq), receivedAt: at(5) })
  for (const seq of [1, 0]) tally.record({ message: msg('B', seq), receivedAt: at(5) })
  const s = tally.summary()
  t.same(s.publishers.map((p) => [p.publisher, p.received, p.outOfOrder, p.largestGap]), [['A', 7, 3, 4], ['B', 2, 1, 1]])
  t.equal(s.outOfOrder, 4)
  const text = formatSummary(s).join('\n')
  t.match(text, /A: 7 received, 3 out of order \(largest gap 4\), 0 duplicates/)
  t.match(text, /4 deliveries arrived after a later message of the same publisher/)
})

t.test('a second copy of a body is a duplicate, not disorder; a publisher re-run starts a new order', async (t) => {
  const tally = new Tally()
  tally.record({ message: msg('A', 0), receivedAt: at(1) })
  tally.record({ message: msg('A', 1), receivedAt: at(1) })
  tally.record({ message: msg('A', 0), receivedAt: at(1) }) // redelivered
  tally.record({ message: msg('A', 0, 'r2'), receivedAt: at(1) }) // same body again, from a re-run
  tally.record({ message: msg('A', 2, 'r2'), receivedAt: at(1) })
  const [a] = tally.summary().publishers
  t.same(a, { publisher: 'A', received: 5, outOfOrder: 0, largestGap: 0, duplicates: 2 })
})

t.test('delivery delay percentiles (nearest rank)', async (t) => {
  t.equal(percentile([], 50), undefined)
  t.equal(percentile([7], 95), 7)
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1)
  t.equal(percentile(sorted, 50), 50)
  t.equal(percentile(sorted, 95), 95)
  const tally = new Tally()
  for (let i = 1; i <= 20; i++) tally.record({ message: msg('A', i), receivedAt: at(i * 100) })
  const s = tally.summary()
  t.same([s.delayP50, s.delayP95], [1000, 1900])
  t.match(formatSummary(s).join('\n'), /delivery delay: p50 1000 ms, p95 1900 ms/)
  t.same(formatSummary(new Tally().summary()), ['Summary:', '  no messages received'])
})

t.test('the delivery line is the course\'s, with the attempt only on a retry', async (t) => {
  const when = new Date(2026, 10, 27, 11, 41, 41)
  t.equal(deliveryLine(when, msg('Client 1', 0), 1), '[11:41:41] Client 1: Message 0')
  t.equal(deliveryLine(when, msg('Client 1', 0), 2), '[11:41:41] Client 1: Message 0  (attempt 2)')
})

t.test('queue kind from the name, with SQS naming rules', async (t) => {
  t.equal(queueKind('csse6400_prac'), 'standard')
  t.equal(queueKind('csse6400_prac.fifo'), 'fifo')
  for (const bad of ['', 'a b', 'x.fifo.fifo', 'a.b', 'ümlaut', 'x'.repeat(76), '../x']) {
    t.throws(() => queueKind(bad), QueueNameError, JSON.stringify(bad))
  }
})

t.test('arguments: the course\'s flags, defaults and one-line errors', async (t) => {
  t.same(parseDemoArgs(['--name', 'q', '--client-name', 'Client 1']),
    { name: 'q', clientName: 'Client 1', mode: 'publish', count: 100, failRate: 0, slowMs: 0 })
  t.same(parseDemoArgs(['--name', 'q.fifo', '--client-name', 'S', '--receive', '--fail-rate', '0.25', '--slow-ms', '50']),
    { name: 'q.fifo', clientName: 'S', mode: 'receive', count: 100, failRate: 0.25, slowMs: 50 })
  t.equal(parseDemoArgs(['--name', 'q.fifo', '--client-name', 'S', '--unblock']).mode, 'unblock')
  for (const bad of [[], ['--name', 'q'], ['--name', 'q', '--client-name', ' '], ['--name', 'q', '--client-name', 'c', '--count', '0'],
    ['--name', 'q', '--client-name', 'c', '--count', '1.5'], ['--name', 'q', '--client-name', 'c', '--fail-rate', '2'],
    ['--name', 'q', '--client-name', 'c', '--nope'], ['--name', 'q', '--client-name', 'c', '--receive', '--unblock'], ['stray']]) {
    t.throws(() => parseDemoArgs(bad), ArgsError, bad.join(' '))
  }
})

t.test('de-duplication ids: the same content in the same slot gives the same id; the window slides', async (t) => {
  const now = Date.parse('2026-11-27T10:02:00Z')
  const a = dedupIds('q.fifo', 'Client 1', 'Message 0', now)
  t.same(dedupIds('q.fifo', 'Client 1', 'Message 0', now + 1000), a, 'same slot: same ids')
  t.match(a.current, /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/, 'a version-8 UUID')
  t.not(dedupIds('q.fifo', 'Client 2', 'Message 0', now).current, a.current, 'another group')
  t.not(dedupIds('q.fifo', 'Client 1', 'Message 1', now).current, a.current, 'another body')
  t.not(dedupIds('other.fifo', 'Client 1', 'Message 0', now).current, a.current, 'another queue')
  const nextSlot = dedupIds('q.fifo', 'Client 1', 'Message 0', now + 300_000)
  t.equal(nextSlot.previous, a.current, 'the next slot looks back at this one')
  // A copy sent just before a slot boundary still counts just after it, for a whole window.
  const sent = new Date(now)
  t.ok(withinWindow(sent, now + 299_000))
  t.notOk(withinWindow(sent, now + 300_000))
})
