// `npm start` as a real process: a start-up that fails (here: the port is taken) stops everything
// it had started and exits 1, instead of lingering without an HTTP server.
import { createServer } from 'node:net'
import t from 'tap'
import { createTestDatabase } from './helpers/database.ts'
import { runEntryPoint } from './helpers/process.ts'

t.test('the port is taken: a clear message, exit 1, nothing left running', async (t) => {
  const database = await createTestDatabase('server_port')
  t.teardown(() => database.drop())
  const squatter = createServer()
  await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve))
  t.teardown(() => squatter.close())
  const port = (squatter.address() as { port: number }).port
  const server = runEntryPoint(t, 'src/server.ts', { DATABASE_URL: database.url, PORT: String(port) })
  t.same(await server.exited, { code: 1, signal: null })
  t.match(server.output(), new RegExp(`could not start: 127\\.0\\.0\\.1:${port} is already in use.*set PORT`))
})
