// The Redis the BullMQ peers run on: BENCH_REDIS_URL, else 127.0.0.1:6379 (the machines have one).
// Where none answers, the BullMQ peers are skipped with one clear line, never failed.
import net from 'node:net'

const url = new URL(process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379')
export const redisConnection = { host: url.hostname, port: Number(url.port || 6379), maxRetriesPerRequest: null }
export const redisLabel = `${redisConnection.host}:${redisConnection.port}`

/** True when a Redis answers PING within a second. */
export function redisAnswers (): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(redisConnection.port, redisConnection.host)
    const done = (ok: boolean) => { socket.destroy(); resolve(ok) }
    socket.setTimeout(1000, () => done(false))
    socket.on('error', () => done(false))
    socket.on('connect', () => socket.write('PING\r\n'))
    socket.on('data', (data) => done(data.toString().startsWith('+PONG')))
  })
}

export const NO_REDIS = `no Redis answers on ${redisLabel}: BullMQ peers skipped (set BENCH_REDIS_URL to use another)`
