// A TCP proxy in front of Postgres that a test can cut and restore: the database "goes away"
// for the app behind it (open connections reset, new ones reset at once) while it stays up for
// everyone else. `refused` counts the connection attempts made while cut, so a test can wait
// until the app has really tried to reconnect instead of sleeping.
import { createServer, connect, type Socket } from 'node:net'

export interface TcpProxy {
  port: number
  /** Connection attempts reset while cut. */
  readonly refused: number
  /** Reset every open connection, and every new one until restore(). */
  cut (): Promise<void>
  restore (): Promise<void>
  close (): Promise<void>
}

export async function startTcpProxy (targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let cut = false
  let refused = 0
  const server = createServer((client) => {
    client.on('error', () => {})
    if (cut) {
      refused++
      client.resetAndDestroy()
      return
    }
    const upstream = connect(targetPort, targetHost)
    for (const s of [client, upstream]) {
      sockets.add(s)
      s.on('close', () => sockets.delete(s))
      s.on('error', () => {})
    }
    client.pipe(upstream).pipe(client)
  })
  const port = await new Promise<number>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
  const resetAll = () => { for (const s of sockets) s.resetAndDestroy() }
  return {
    port,
    get refused () { return refused },
    async cut () {
      cut = true
      resetAll()
    },
    async restore () { cut = false },
    close: () => new Promise<void>((resolve) => {
      resetAll()
      server.close(() => resolve())
    })
  }
}
