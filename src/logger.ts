import { pino, type Logger, type LoggerOptions } from 'pino'
import type { Config } from './config.ts'
import { redactDeep, redactSecrets } from './redact.ts'

export type { Logger }
/** What code that only logs needs; pino loggers and Fastify's request/app loggers all fit. */
export type BaseLogger = Pick<Logger, 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace'>

const redactError = (err: unknown) => redactDeep(err instanceof Error ? pino.stdSerializers.err(err) : err)

/**
 * No password in any line, at any level: errors (pg's, pg-boss's, Node's ERR_INVALID_URL, which
 * carries the whole URL as `input`) and messages pass through src/redact.ts. Other fields are
 * logged as they are: code never logs a connection URL or config in them.
 */
export const loggerSafety: Pick<LoggerOptions, 'serializers' | 'hooks'> = {
  serializers: { err: redactError, error: redactError },
  hooks: {
    logMethod (args, method) {
      const [first, ...rest] = args as unknown[]
      // logger.error(err): put it where the err serializer sees it, keeping its message as the line's.
      const withErr = first instanceof Error ? [{ err: first }, ...(rest.length > 0 ? rest : [first.message])] : args as unknown[]
      const safe = withErr.map((arg) => typeof arg === 'string' ? redactSecrets(arg) : arg)
      return method.apply(this, safe as Parameters<typeof method>)
    }
  }
}

/** JSON lines for machines; readable lines only when a person is watching a terminal. */
export function createLogger (level: Config['logLevel'], name = 'taskoverflow'): Logger {
  if (process.stdout.isTTY) {
    return pino({ name, level, ...loggerSafety, transport: { target: 'pino-pretty', options: { translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname,name' } } })
  }
  // Asynchronous writes: lines that pile up while one write is in flight go out together, so a
  // busy server makes far fewer write calls (one line per request adds up); a quiet one still
  // writes each line at once. pino flushes what is pending when the process exits.
  return pino({ name, level, ...loggerSafety }, pino.destination({ dest: 1, sync: false }))
}
