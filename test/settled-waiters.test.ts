// A process that commits a job's settle itself (its inline worker) wakes its own waiters with the
// job as committed; the NOTIFY of that same commit, which can arrive first, must not wake them to
// read it back meanwhile (src/queue/settled-waiters.ts).
import t from 'tap'
import { SettledWaiters } from '../src/queue/settled-waiters.ts'

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
