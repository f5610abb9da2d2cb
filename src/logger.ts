import { pino, type Logger } from 'pino'
import type { Config } from './config.ts'

export type { Logger }
/** What code that only logs needs; pino loggers and Fastify's request/app loggers all fit. */
export type BaseLogger = Pick<Logger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>

/** JSON lines for machines; readable lines only when a person is watching a terminal. */
export function createLogger (level: Config['logLevel'], name = 'taskoverflow'): Logger {
  return pino({
    name,
    level,
    ...(process.stdout.isTTY
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' } } }
      : {})
  })
}
