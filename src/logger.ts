import { pino, type Logger } from 'pino'
import type { Config } from './config.ts'

export type { Logger }
/** What code that only logs needs; pino loggers and Fastify's request/app loggers all fit. */
export type BaseLogger = Pick<Logger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>

/** JSON lines for machines; readable lines only when a person is watching a terminal. */
export function createLogger (level: Config['logLevel'], name = 'taskoverflow'): Logger {
  if (process.stdout.isTTY) {
    return pino({ name, level, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' } } })
  }
  // Asynchronous writes: lines that pile up while one write is in flight go out together, so a
  // busy server makes far fewer write calls (one line per request adds up); a quiet one still
  // writes each line at once. pino flushes what is pending when the process exits.
  return pino({ name, level }, pino.destination({ dest: 1, sync: false }))
}
