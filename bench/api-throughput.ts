// 5. API throughput: GET /todos (100 rows) and GET /todos/{id} with autocannon (50 connections),
// ours as `npm start` runs it (request logging on) beside bare Fastify + pg doing the same work
// (bench/peers/bare-fastify-pg.ts), in alternating rounds: neither always goes first.
import autocannon from 'autocannon'
import type { Benchmark } from './context.ts'
import { freePort, startApi, startProcess, waitForHttp } from './lib/processes.ts'
import type { Result } from './lib/report.ts'
import { alternate, mean } from './lib/rounds.ts'
import { seedTodos } from './lib/seed.ts'

async function load (url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, connections: 50, duration: seconds })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.requests.average
}

export const apiThroughput: Benchmark = async ({ server, smoke, log }) => {
  const seconds = smoke ? 1 : 5
  const rounds = smoke ? 1 : 4
  const db = await server.createDatabase('throughput')
  const ours = await startApi(db.url, { WORKER_MODE: 'off', LOG_LEVEL: 'info' }, { quietStdout: true })
  await seedTodos(db.url, 100)
  const port = await freePort()
  const bare = startProcess('bench/peers/bare-fastify-pg.ts', {}, [db.url, String(port)])
  const bases: Record<string, string> = { ours: ours.base, bare: `http://127.0.0.1:${port}/api/v1` }
  await waitForHttp(`${bases.bare}/todos`, bare)

  const results: Result[] = []
  try {
    for (const [name, path] of [['GET /todos (100 rows)', '/todos'], ['GET /todos/{id}', '/todos/42']] as const) {
      if (!smoke) for (const base of Object.values(bases)) await load(`${base}${path}`, 1) // warm-up
      log(`api throughput: ${name}, ${rounds} alternating round(s) of ${seconds} s`)
      const rates = await alternate(['ours', 'bare'], rounds, (who) => load(`${bases[who]}${path}`, seconds))
      results.push({
        benchmark: 'API throughput (50 connections)',
        metric: name,
        value: mean(rates.get('ours')!),
        unit: 'req/s',
        baseline: { label: 'bare Fastify + pg, same statements and schemas', value: mean(rates.get('bare')!) },
        target: '>= 0.90 of bare',
        note: `mean of ${rounds} round(s); ours logs every request (pino, as npm start does)`
      })
    }
    return results
  } finally {
    await bare.stop()
    await ours.stop()
  }
}
