// The event feed under load: 200 Server-Sent Events streams on one API process while calendar
// jobs flow. Measures how long an event takes from its commit to every stream (p50/p95 over all
// deliveries), the API's memory as waves of jobs pass (it should stay flat), and the latency of
// another route (GET /todos) with the streams open against the same with none.
import http from 'node:http'
import type { Benchmark } from './context.ts'
import { requestJson } from './lib/http.ts'
import { startApi } from './lib/processes.ts'
import { summarize } from './lib/report.ts'
import { seedTodos } from './lib/seed.ts'

function openStream (url: string, agent: http.Agent, onEvent: (data: { seq: number, at: string }) => void): Promise<http.ClientRequest> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent, headers: { accept: 'text/event-stream' } }, (res) => {
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const data = /^data: (.*)$/m.exec(buffer.slice(0, end))?.[1]
          buffer = buffer.slice(end + 2)
          if (data) onEvent(JSON.parse(data))
        }
      })
      resolve(req)
    })
    req.on('error', reject)
  })
}

async function routeLatency (base: string, count: number): Promise<number[]> {
  const samples: number[] = []
  for (let i = 0; i < count; i++) {
    const began = performance.now()
    await requestJson('GET', `${base}/todos`)
    samples.push(performance.now() - began)
  }
  return samples
}

export const sseFanout: Benchmark = async ({ server, smoke, log }) => {
  const streams = smoke ? 20 : 200
  const waves = smoke ? 2 : 5
  const jobsPerWave = smoke ? 5 : 50
  const db = await server.createDatabase('sse_fanout')
  const api = await startApi(db.url, {}, { quietStdout: true })
  const agent = new http.Agent({ maxSockets: Infinity })
  const requests: http.ClientRequest[] = []
  try {
    await seedTodos(db.url, 10)
    const quiet = summarize(await routeLatency(api.base, smoke ? 20 : 300))
    log(`sse fan-out: ${streams} streams, ${waves} waves of ${jobsPerWave} jobs`)
    const delays: number[] = []
    let received = 0
    for (let i = 0; i < streams; i++) {
      requests.push(await openStream(`${api.base}/events`, agent, (event) => {
        if (!event.at) return // the ready event
        received++
        delays.push(Date.now() - Date.parse(event.at))
      }))
    }
    const rss: number[] = []
    const busy: number[] = []
    for (let w = 0; w < waves; w++) {
      const ids = await Promise.all(Array.from({ length: jobsPerWave }, () => requestJson<{ task_id: string, task_url: string }>('POST', `${api.base}/todos/ical`)))
      const [latencies] = await Promise.all([
        routeLatency(api.base, smoke ? 10 : 60),
        Promise.all(ids.map((t) => requestJson('GET', `${t.task_url}?wait=30`)))
      ])
      busy.push(...latencies)
      const expected = streams * jobsPerWave * 3 * (w + 1)
      const deadline = Date.now() + 30_000
      const behind = () => received < expected && Date.now() < deadline
      while (behind()) await new Promise((resolve) => setTimeout(resolve, 20))
      if (received < expected) throw new Error(`streams got ${received} of ${expected} events`)
      rss.push(Number(/VmRSS:\s+(\d+)/.exec(await import('node:fs').then((fs) => fs.readFileSync(`/proc/${api.child.pid}/status`, 'utf8')))?.[1] ?? 0) / 1024)
    }
    const d = summarize(delays)
    const b = summarize(busy)
    return [
      { benchmark: `SSE fan-out (${streams} streams)`, metric: 'commit -> stream p50', value: d.p50, unit: 'ms', note: `p95 ${d.p95.toFixed(1)} ms over ${delays.length.toLocaleString('en-US')} deliveries` },
      { benchmark: `SSE fan-out (${streams} streams)`, metric: 'API RSS after each wave', value: rss.at(-1)!, unit: 'MB', note: rss.map((r) => r.toFixed(0)).join(' / ') },
      { benchmark: `SSE fan-out (${streams} streams)`, metric: 'GET /todos p50 while jobs flow', value: b.p50, unit: 'ms', baseline: { label: 'no streams, no jobs', value: quiet.p50 }, note: `p95 ${b.p95.toFixed(1)} ms` }
    ]
  } finally {
    for (const req of requests) req.destroy()
    agent.destroy()
    await api.stop()
  }
}
