// A Server-Sent Events client for tests: a real HTTP connection, its events parsed as they come,
// and waits on conditions with deadlines.
import http from 'node:http'

export interface SseEvent { id: string | undefined, event: string, data: any }

export interface SseClient {
  events: SseEvent[]
  status: number
  /** Resolves with the first event (already received or to come) that matches, within timeoutMs. */
  waitFor (match: (e: SseEvent) => boolean, timeoutMs?: number, what?: string): Promise<SseEvent>
  close (): void
  closed: Promise<void>
}

export function openSse (url: string, headers: Record<string, string> = {}, agent?: http.Agent): Promise<SseClient> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers: { accept: 'text/event-stream', ...headers }, agent }, (res) => {
      const events: SseEvent[] = []
      const listeners = new Set<() => void>()
      let buffer = ''
      res.setEncoding('utf8')
      res.on('data', (chunk: string) => {
        buffer += chunk
        let end
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end)
          buffer = buffer.slice(end + 2)
          let id: string | undefined
          let event = 'message'
          const data: string[] = []
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) id = line.slice(4)
            else if (line.startsWith('event: ')) event = line.slice(7)
            else if (line.startsWith('data: ')) data.push(line.slice(6))
          }
          if (data.length > 0) events.push({ id, event, data: JSON.parse(data.join('\n')) })
        }
        for (const listener of listeners) listener()
      })
      const closed = new Promise<void>((resolve) => res.once('close', () => {
        resolve()
        for (const listener of listeners) listener()
      }))
      resolve({
        events,
        status: res.statusCode ?? 0,
        closed,
        close: () => req.destroy(),
        waitFor (match, timeoutMs = 20_000, what = 'a matching event') {
          return new Promise((resolve, reject) => {
            const timer = setTimeout(() => finish(new Error(`no ${what} within ${timeoutMs} ms; got ${JSON.stringify(events.map((e) => [e.id, e.event]))}`)), timeoutMs)
            const check = () => {
              const found = events.find(match)
              if (found) finish(undefined, found)
              else if (res.closed) finish(new Error(`stream closed before ${what}`))
            }
            const finish = (error?: Error, found?: SseEvent) => {
              clearTimeout(timer)
              listeners.delete(check)
              if (error) reject(error)
              else resolve(found!)
            }
            listeners.add(check)
            check()
          })
        }
      })
    })
    req.on('error', reject)
  })
}
