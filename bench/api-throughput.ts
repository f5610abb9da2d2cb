// 4. API throughput: GET /todos (100 rows) and GET /todos/{id} with autocannon (50 connections),
// ours as `npm start` runs it (request logging on) beside a bare Fastify + pg server running the
// same queries, alternated over two rounds in the same run.
import autocannon from 'autocannon'
import type { Benchmark } from './context.ts'
import { freePort, startApi, startProcess, waitForHttp } from './lib/processes.ts'
import type { Result } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

async function load (url: string, seconds: number): Promise<number> {
  const result = await autocannon({ url, connections: 50, duration: seconds })
  if (result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${result.non2xx} non-2xx, ${result.errors} errors`)
  return result.requests.average
}

export const apiThroughput: Benchmark = async ({ server, smoke, log }) => {
  const seconds = smoke ? 1 : 10
  const rounds = smoke ? 1 : 2
  const db = await server.createDatabase('throughput')
  const ours = await startApi(db.url, { WORKER_MODE: 'off', LOG_LEVEL: 'info' }, { quietStdout: true })
  await seedTodos(db.url, 100)
  const port = await freePort()
  const bare = startProcess('bench/baseline/bare-server.ts', {}, [db.url, String(port)])
  const bareBase = `http://127.0.0.1:${port}/api/v1`
  await waitForHttp(`${bareBase}/todos`, bare)

  const results: Result[] = []
  for (const [name, path] of [['GET /todos (100 rows)', '/todos'], ['GET /todos/{id}', '/todos/42']] as const) {
    let oursTotal = 0
    let bareTotal = 0
    if (!smoke) {
      await load(`${ours.base}${path}`, 1) // warm-up
      await load(`${bareBase}${path}`, 1)
    }
    for (let round = 0; round < rounds; round++) {
      log(`api throughput: ${name}, round ${round + 1}`)
      bareTotal += await load(`${bareBase}${path}`, seconds)
      oursTotal += await load(`${ours.base}${path}`, seconds)
    }
    results.push({
      benchmark: 'API throughput (50 connections)',
      metric: name,
      value: oursTotal / rounds,
      unit: 'req/s',
      baseline: { label: 'bare Fastify + pg', value: bareTotal / rounds },
      target: '>= 0.90 of bare'
    })
  }
  await bare.stop()
  await ours.stop()
  return results
}
