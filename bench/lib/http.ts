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
