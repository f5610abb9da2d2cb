// Memory of full listings: many clients at once each read GET /todos of a big list to the end.
// Ours streams it in keyset pages (src/todos/stream.ts); the peer, in the same run, is bare
// Fastify + pg answering the same list built in memory, as GET /todos did before (the issue
// measured 1.86 GB RSS for 50 clients and 100,000 todos). Figure: the API process's highest RSS
// during the run minus its RSS just before, sampled every 50 ms from /proc.
import type { Benchmark } from './context.ts'
import { send } from './lib/load-client.ts'
import { freePort, startApi, startProcess } from './lib/processes.ts'
import { rssMb, sampleMaxRss } from './lib/rss.ts'
import type { Result } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

async function listingsAtOnce (base: string, pid: number | undefined, clients: number) {
  await send('GET', `${base}/todos`, undefined, { keepBody: false }) // warm-up: JIT, pool, plans
  const before = rssMb(pid)
  const peak = sampleMaxRss(pid)
  const began = performance.now()
  const answers = await Promise.all(Array.from({ length: clients }, () => send('GET', `${base}/todos`, undefined, { keepBody: false })))
  const seconds = (performance.now() - began) / 1000
  const growth = peak.stop() - before
  const bad = answers.filter((a) => a.status !== 200 || !a.complete || a.body !== ']')
  if (bad.length > 0) throw new Error(`${base}: ${bad.length} of ${clients} listings failed (statuses ${[...new Set(bad.map((a) => a.status))].join(', ')})`)
  const sizes = new Set(answers.map((a) => a.bytes))
  if (sizes.size !== 1) throw new Error(`${base}: listings of different sizes: ${[...sizes].join(', ')}`)
  return { growth, seconds, before, mb: answers[0]!.bytes / 1e6 }
}

export const listMemory: Benchmark = async ({ server, smoke, log }) => {
  const rows = smoke ? 2000 : Number(process.env.BENCH_LIST_ROWS ?? 100_000)
  const clients = smoke ? 5 : Number(process.env.BENCH_LIST_CLIENTS ?? 50)
  const db = await server.createDatabase('list_memory')
  const ours = await startApi(db.url, { WORKER_MODE: 'off' }, { quietStdout: true })
  const port = await freePort()
  const bare = startProcess('bench/peers/bare-fastify-pg.ts', {}, [db.url, String(port)])
  try {
    await bare.waitFor(/bare server ready/)
    await seedTodos(db.url, rows, { full: true })
    log(`list memory: ${clients} concurrent full listings of ${rows.toLocaleString('en-US')} todos, ours then the in-memory peer`)
    const us = await listingsAtOnce(ours.base, ours.child.pid, clients)
    const them = await listingsAtOnce(`http://127.0.0.1:${port}/api/v1`, bare.child.pid, clients)
    log(`list memory: ours ${us.before.toFixed(0)} MB + ${us.growth.toFixed(0)} MB in ${us.seconds.toFixed(1)} s; ` +
      `in memory ${them.before.toFixed(0)} MB + ${them.growth.toFixed(0)} MB in ${them.seconds.toFixed(1)} s (${us.mb.toFixed(1)} MB per listing)`)
    const benchmark = `list memory (${clients} concurrent GET /todos of ${rows.toLocaleString('en-US')} todos, ${us.mb.toFixed(1)} MB each)`
    const label = 'bare Fastify + pg, the list built in memory (GET /todos before)'
    const results: Result[] = [
      { benchmark, metric: 'API RSS growth (peak - before)', value: us.growth, unit: 'MB', baseline: { label, value: them.growth }, target: '<= 150' },
      { benchmark, metric: 'wall time, all listings', value: us.seconds, unit: 's', baseline: { label, value: them.seconds } }
    ]
    return results
  } finally {
    await ours.stop()
    await bare.stop()
  }
}
