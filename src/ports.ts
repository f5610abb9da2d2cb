// Is a port free? Asked before the slow parts of a start (the database, migrations, workers), so
// a second `npm start` fails at once with the variable to change, not after starting it all.
import { createServer } from 'node:net'

export class PortBusyError extends Error {
  override name = 'PortBusyError'
}

export async function assertPortFree (host: string, port: number, variable: string, hint = 'another `npm start`?'): Promise<void> {
  if (port === 0) return // any free port
  await new Promise<void>((resolve, reject) => {
    const probe = createServer()
    probe.once('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EADDRINUSE') reject(new PortBusyError(`${host}:${port} is already in use (${hint}): stop that process, or set ${variable} to a free port`))
      else reject(error)
    })
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()))
  })
}
