// The queue demo, FIFO queue: two publishers and one subscriber keep each publisher's order, a
// repeated publish is de-duplicated, and a blocked group is visible and can be unblocked.
import { PgBoss } from 'pg-boss'
import t from 'tap'
import { DEMO_SCHEMA } from '../../src/queue-demo/connect.ts'
import type { DemoMessage } from '../../src/queue-demo/message.ts'
import { setUpQueue } from '../../src/queue-demo/queue-kind.ts'
import { deliveries, demo, demoDatabase, published, stopWithSummary, subscribe, summaryOf, upTo, waitUntil } from './helpers.ts'

const database = await demoDatabase(t)
const env = { DATABASE_URL: database.url }

t.test('FIFO queue, two publishers and one subscriber: order per publisher, repeats de-duplicated', async (t) => {
  const [p1, p2] = [demo(t, ['--name', 'prac.fifo', '--client-name', 'Client 1', '--count', '50'], env),
    demo(t, ['--name', 'prac.fifo', '--client-name', 'Client 2', '--count', '50'], env)]
  await published(t, p1, /Client 1 sent 50 messages to prac\.fifo: 50 accepted, 0 dropped as duplicates/)
  await published(t, p2, /Client 2 sent 50 messages to prac\.fifo: 50 accepted, 0 dropped as duplicates/)
  t.match(p1.output(), /Queue prac\.fifo: FIFO queue/)
  await published(t, demo(t, ['--name', 'prac.fifo', '--client-name', 'Client 1', '--count', '50'], env),
    /Client 1 sent 50 messages to prac\.fifo: 0 accepted, 50 dropped as duplicates/)

  // A backlog of 100 and four loops that each take 20 ms a message: concurrency is real.
  const s = await subscribe(t, env, 'prac.fifo', 'Sub', '--slow-ms', '20')
  await waitUntil([s], () => deliveries(s).length >= 100, '100 deliveries')
  await stopWithSummary(t, s)
  const lines = deliveries(s)
  for (const publisher of ['Client 1', 'Client 2']) {
    t.same(lines.filter((d) => d.publisher === publisher).map((d) => d.seq), upTo(50), `${publisher}: in order, once each`)
    t.same(summaryOf(s).get(publisher), { received: 50, outOfOrder: 0, duplicates: 0 })
  }
  t.match(s.output(), /order: every publisher's messages arrived in the order they were sent/)
  t.match(s.output(), /Blocked groups: none/)
})

t.test('a message that fails for good blocks its FIFO group, visibly, until --unblock', async (t) => {
  // Set up the failed message directly (a subscriber would need 11 failed attempts, 1 s apart).
  const boss = new PgBoss({ connectionString: database.url, schema: DEMO_SCHEMA, supervise: false, schedule: false })
  boss.on('error', () => {})
  await boss.start()
  t.teardown(() => boss.stop({ graceful: false }))
  await setUpQueue(boss, 'stuck.fifo', 'fifo')
  const message = (seq: number): DemoMessage => ({ publisher: 'Client 9', body: `Message ${seq}`, seq, run: 'r', sentAt: new Date().toISOString() })
  await boss.send('stuck.fifo', message(0), { singletonKey: 'Client 9', retryLimit: 0 })
  const [job] = await boss.fetch('stuck.fifo')
  await boss.fail('stuck.fifo', job!.id, { error: 'poison' })
  await boss.send('stuck.fifo', message(1), { singletonKey: 'Client 9' })

  const s = await subscribe(t, env, 'stuck.fifo', 'Sub')
  t.match(s.output(), /Blocked groups \(a message failed for good and holds back the rest\): "Client 9"; unblock with npm run queue-demo -- --name stuck\.fifo --client-name "Client 9" --unblock/)
  const u = demo(t, ['--name', 'stuck.fifo', '--client-name', 'Client 9', '--unblock'], env)
  t.same(await u.exited, { code: 0, signal: null })
  t.match(u.output(), /Unblocked group "Client 9": Message 0 goes back to the queue for one more try/)
  await waitUntil([s], () => deliveries(s).length >= 2, 'the group flows again')
  t.same(deliveries(s).map((d) => d.seq), [0, 1], 'the failed message first, then the one behind it')
  await stopWithSummary(t, s)
  t.match(s.output(), /Blocked groups: none/)

  const again = demo(t, ['--name', 'stuck.fifo', '--client-name', 'Client 9', '--unblock'], env)
  t.same(await again.exited, { code: 0, signal: null })
  t.match(again.output(), /Group "Client 9" is not blocked on stuck\.fifo/)
})
