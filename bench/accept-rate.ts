// 6. Accept rate: POST /todos/ical per second with 50 connections, no worker running (each 202
// is a job committed to the queue), ours beside the BullMQ peer's same route (a job added to
// Redis), in alternating rounds. Without Redis the figure stands alone, with no ratio.
import autocannon from 'autocannon'
import type { Benchmark } from './context.ts'
import { startApi } from './lib/processes.ts'
import { NO_REDIS, redisAnswers } from './lib/redis.ts'
import type { Result } from './lib/report.ts'
import { alternate, mean } from './lib/rounds.ts'
import { bullmqPeer } from './peers/bullmq-calendar/control.ts'

async function load (url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, method: 'POST', connections: 50, duration: seconds })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.requests.average
}

export const acceptRate: Benchmark = async ({ server, smoke, log }) => {
  const seconds = smoke ? 1 : 5
  const rounds = smoke ? 1 : 4
  const db = await server.createDatabase('accept')
  const ours = await startApi(db.url, { WORKER_MODE: 'off', LOG_LEVEL: 'info' }, { quietStdout: true })
  const peer = await redisAnswers() ? bullmqPeer() : undefined
  const peerServer = await peer?.startServer(db.url, { inlineWorker: false })
  if (!peerServer) log(NO_REDIS)
  const bases = new Map([['ours', ours.base], ...(peerServer ? [['BullMQ', peerServer.base] as [string, string]] : [])])
  try {
    if (!smoke) for (const base of bases.values()) await load(`${base}/todos/ical`, 1) // warm-up
    log(`accept rate: POST /todos/ical, 50 connections, ${rounds} alternating round(s) of ${seconds} s`)
    const rates = await alternate([...bases.keys()], rounds, (name) => load(`${bases.get(name)!}/todos/ical`, seconds))
    const result: Result = { benchmark: 'accept rate (50 connections, no worker)', metric: 'POST /todos/ical', value: mean(rates.get('ours')!), unit: 'req/s', note: `mean of ${rounds} round(s)` }
    if (peerServer) result.baseline = { label: 'the same route on BullMQ + Redis (Queue.add)', value: mean(rates.get('BullMQ')!) }
    else result.note += `; ${NO_REDIS}`
    return [result]
  } finally {
    await ours.stop()
    await peerServer?.stop()
    await peer?.close()
  }
}
