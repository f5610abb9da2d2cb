// The queue demo with --fail-rate: retries keep order on a FIFO queue; on a standard queue
// they may break it, and the summary reports exactly the disorder that happened.
import t from 'tap'
import { deliveries, demo, demoDatabase, failures, outOfOrder, published, stopWithSummary, subscribe, summaryOf, upTo, waitUntil } from './helpers.ts'

const database = await demoDatabase(t)
const env = { DATABASE_URL: database.url }

t.test('--fail-rate: a FIFO queue keeps order through retries; a standard queue reports the disorder it gets', async (t) => {
  const sends = [
    demo(t, ['--name', 'flaky.fifo', '--client-name', 'Client 1', '--count', '20'], env),
    demo(t, ['--name', 'flaky.fifo', '--client-name', 'Client 2', '--count', '20'], env),
    demo(t, ['--name', 'flaky', '--client-name', 'Client 1', '--count', '20'], env)
  ]
  for (const p of sends) await published(t, p, /sent 20 messages to flaky(\.fifo)?: 20 accepted/)
  const [fifo, standard] = await Promise.all([
    subscribe(t, env, 'flaky.fifo', 'Sub', '--fail-rate', '0.3'),
    subscribe(t, env, 'flaky', 'Sub', '--fail-rate', '0.3')
  ])
  await waitUntil([fifo], () => deliveries(fifo).length >= 40, 'FIFO: 40 deliveries')
  await waitUntil([standard], () => new Set(deliveries(standard).map((d) => d.seq)).size === 20, 'standard: Message 0..19')
  await stopWithSummary(t, fifo)
  await stopWithSummary(t, standard)

  // 0.3 of at least 40 attempts: the chance that none failed is 0.7^40, about 6e-7.
  t.ok(failures(fifo) > 0, `FIFO: ${failures(fifo)} deliveries failed on purpose and were retried`)
  for (const publisher of ['Client 1', 'Client 2']) {
    t.same(deliveries(fifo).filter((d) => d.publisher === publisher).map((d) => d.seq), upTo(20), `FIFO ${publisher}: in order despite retries`)
  }
  t.equal(summaryOf(fifo).get('total')!.outOfOrder, 0)

  const late = outOfOrder(deliveries(standard))
  t.equal(summaryOf(standard).get('Client 1')!.outOfOrder, late, 'standard: the summary reports exactly the disorder printed')
  t.match(standard.output(), late === 0
    ? /order: every publisher's messages arrived in the order they were sent/
    : new RegExp(`order: ${late} deliver(y|ies) arrived after a later message of the same publisher`))
  t.comment(`standard queue with --fail-rate 0.3: ${failures(standard)} failures, ${late} deliveries out of order`)
})
