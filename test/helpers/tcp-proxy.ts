// A TCP proxy in front of Postgres that a test can cut and restore: the database "goes away"
// for the app behind it (connections reset, new ones refused) while it stays up for everyone else.
import { createServer, connect, type Server, type Socket } from 'node:net'

export interface TcpProxy {
  port: number
  /** Reset every open connection and refuse new ones. */
  cut (): Promise<void>
  /** Accept connections again, on the same port. */
  restore (): Promise<void>
  close (): Promise<void>
}

export async function startTcpProxy (targetHost: string, targetPort: number): Promise<TcpProxy> {
  const sockets = new Set<Socket>()
  let server: Server
  const listen = (port: number) => new Promise<number>((resolve, reject) => {
    server = createServer((client) => {
      const upstream = connect(targetPort, targetHost)
      for (const s of [client, upstream]) {
        sockets.add(s)
        s.on('close', () => sockets.delete(s))
        s.on('error', () => {})
      }
      client.pipe(upstream).pipe(client)
    })
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve((server.address() as { port: number }).port))
  })
  const stop = () => new Promise<void>((resolve) => {
    for (const s of sockets) s.resetAndDestroy()
    server.close(() => resolve())
  })
  const port = await listen(0)
  return { port, cut: stop, restore: async () => { await listen(port) }, close: stop }
}
