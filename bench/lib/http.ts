// A lean HTTP client for the latency benchmark: Node's http module with keep-alive. fetch()
// (undici) adds about 1.5 ms per request pair on this machine, which would be measured as the
// service's latency.
import http from 'node:http'

const agent = new http.Agent({ keepAlive: true, maxSockets: 8 })

export function requestJson<T = any> (method: 'GET' | 'POST', url: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, agent }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => {
        try {
          resolve(JSON.parse(body) as T)
        } catch (error) {
          reject(error)
        }
      })
    })
    req.on('error', reject)
    req.end()
  })
}

export interface RawResponse { status: number, headers: http.IncomingHttpHeaders, body: string }

/** Any request, with an optional JSON body, on the same keep-alive agent. */
export function request (method: string, url: string, json?: unknown): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const payload = json === undefined ? undefined : JSON.stringify(json)
    const req = http.request(url, { method, agent, headers: payload ? { 'content-type': 'application/json' } : {} }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => { body += chunk })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end(payload)
  })
}
