// The load test's HTTP client: many concurrent requests on keep-alive sockets (no per-host cap),
// each answer's status and body, or only its size for big listings (the client must not hold
// 50 copies of a 28 MB list either).
import http from 'node:http'

export const loadAgent = new http.Agent({ keepAlive: true, maxSockets: Infinity })

export interface LoadResponse { status: number, headers: http.IncomingHttpHeaders, body: string, bytes: number, complete: boolean }

export function send (method: string, url: string, json?: unknown, { keepBody = true, agent = loadAgent }: { keepBody?: boolean, agent?: http.Agent } = {}): Promise<LoadResponse> {
  return new Promise((resolve, reject) => {
    const payload = json === undefined ? undefined : JSON.stringify(json)
    const req = http.request(url, { method, agent, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let body = ''
      let bytes = 0
      let last = ''
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length
        if (keepBody) body += chunk.toString()
        else last = chunk.toString('latin1').slice(-1)
      })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: keepBody ? body : last, bytes, complete: res.complete }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end(payload)
  })
}
