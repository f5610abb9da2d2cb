// A process that commits a job's settle itself (its inline worker) wakes its own waiters with the
// job as committed; the NOTIFY of that same commit, which can arrive first, must not wake them to
// read it back meanwhile (src/queue/settled-waiters.ts).
import t from 'tap'
import { EXPECTED_MAX, SettledWaiters } from '../src/queue/settled-waiters.ts'

const ID = '00000000-0000-4000-8000-000000000001'

t.test('news from the database wakes waiters to look again', async (t) => {
  const waiters = new SettledWaiters()
  const waiting = waiters.wait(ID, { timeoutMs: 30_000 })
  waiters.wake(ID)
  t.equal(await waiting, undefined)
  t.equal(waiters.size, 0)
})

t.test('while this process settles the job, its NOTIFY wakes nobody; the hand-over does, with the job', async (t) => {
  const waiters = new SettledWaiters()
  const handOver = waiters.settlingHere(ID)
  let woken: unknown = 'not yet'
  const waiting = waiters.wait(ID, { timeoutMs: 30_000 }).then((job) => { woken = job })
  waiters.wake(ID) // the commit's NOTIFY, ahead of the commit's own answer
  await new Promise((resolve) => setImmediate(resolve))
  t.equal(woken, 'not yet', 'still waiting')
  t.equal(waiters.size, 1)
  const job = { id: ID, state: 'completed' }
  handOver(job)
  await waiting
  t.equal(woken, job, 'handed the job as committed')
  handOver({ id: ID, state: 'failed' }) // a second call changes nothing
  const later = waiters.wait(ID, { timeoutMs: 30_000 })
  waiters.wake(ID)
  t.equal(await later, undefined, 'once handed over, news from the database wakes waiters again')
})

t.test('a settle that did not commit wakes the waiters to look again', async (t) => {
  const waiters = new SettledWaiters()
  const handOver = waiters.settlingHere(ID)
  const waiting = waiters.wait(ID, { timeoutMs: 30_000 })
  handOver()
  t.equal(await waiting, undefined)
})

t.test('a reconnect still wakes everyone, settling or not', async (t) => {
  const waiters = new SettledWaiters()
  waiters.settlingHere(ID)
  const waiting = waiters.wait(ID, { timeoutMs: 30_000 })
  waiters.wakeAll()
  t.equal(await waiting, undefined)
})

t.test('a job queued here is known unsettled until news of its settle, a hand-over or a reconnect', async (t) => {
  const waiters = new SettledWaiters()
  const [a, b, c, d] = ['a', 'b', 'c', 'd'].map((x) => ID.replace(/1$/, x))
  for (const id of [ID, a, b, c, d]) waiters.expect(id!)
  t.ok(waiters.knownUnsettled(ID))
  waiters.wake(ID) // its settle's NOTIFY
  t.notOk(waiters.knownUnsettled(ID), 'news of its settle')
  waiters.settlingHere(a!)({ id: a, state: 'completed' })
  t.notOk(waiters.knownUnsettled(a!), 'handed over')
  waiters.settlingHere(b!)()
  t.notOk(waiters.knownUnsettled(b!), 'a settle that did not commit: look again')
  waiters.forget(c!)
  t.notOk(waiters.knownUnsettled(c!), 'not queued after all')
  t.ok(waiters.knownUnsettled(d!))
  waiters.wakeAll()
  t.notOk(waiters.knownUnsettled(d!), 'a reconnect: news may have been missed')
})

t.test('only the most recent jobs queued here are remembered', async (t) => {
  const waiters = new SettledWaiters()
  const id = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`
  for (let n = 0; n <= EXPECTED_MAX; n++) waiters.expect(id(n))
  t.notOk(waiters.knownUnsettled(id(0)), 'the oldest dropped (a request for it reads it)')
  t.ok(waiters.knownUnsettled(id(1)))
  t.ok(waiters.knownUnsettled(id(EXPECTED_MAX)))
})
