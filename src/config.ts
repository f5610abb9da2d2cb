// Configuration is read from the environment once, at start-up, validated against one schema,
// and handed to everything else as a typed object. A bad value stops the process with a message
// that names the variable; nothing reads process.env after this.
import path from 'node:path'
import { Type, type Static, type TSchema } from '@sinclair/typebox'
import { Value } from '@sinclair/typebox/value'
import { redactUrl } from './redact.ts'

const Int = (min: number, max: number, fallback: number, description: string) =>
  Type.Integer({ minimum: min, maximum: max, default: fallback, description })
const Flag = (fallback: boolean, description: string) =>
  Type.Boolean({ default: fallback, description })
const OneOf = <T extends string>(values: readonly T[], fallback: T, description: string) =>
  Type.Union(values.map((v) => Type.Literal(v)), { default: fallback, description })

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export const DATABASE_SSL_MODES = ['off', 'no-verify', 'verify'] as const

/** Every environment variable the service reads, with its default. The README table mirrors it. */
export const EnvSchema = Type.Object({
  PORT: Int(0, 65535, 6400, 'HTTP port'),
  HOST: Type.String({ minLength: 1, default: '127.0.0.1', description: 'HTTP bind address (0.0.0.0 in containers)' }),
  PUBLIC_URL: Type.Optional(Type.String({ pattern: '^https?://[^/]+(/.*)?$', description: 'Base URL of the URLs handed out (task_url, result_url, Location, feed URLs); unset: see ALLOWED_HOSTS' })),
  ALLOWED_HOSTS: Type.String({ pattern: '^[^,\\s]+(,[^,\\s]+)*$', default: 'localhost,127.0.0.1,[::1]', description: 'Without PUBLIC_URL: the Host (or trusted X-Forwarded-Host) names, comma-separated (name for any port, or name:port; * for any), that URLs handed out may be built from; another host gets the listening address' }),
  TRUST_PROXY: Flag(false, 'Trust X-Forwarded-* headers (behind a load balancer)'),
  LOG_LEVEL: OneOf(LOG_LEVELS, 'info', 'pino log level'),
  HTTP_REQUEST_TIMEOUT_MS: Int(0, 3_600_000, 30_000, 'Longest time to receive a whole request, headers and body (Node answers 408 and closes the connection); 0: none'),
  HTTP_BODY_TIMEOUT_MS: Int(0, 3_600_000, 10_000, 'Longest time to receive a request body once its headers are in (408 JSON answer, connection closed); 0: none'),
  HTTP_MAX_EVENT_LOOP_DELAY_MS: Int(0, 60_000, 1000, 'Shed load: answer 503 busy (Retry-After) while the event loop lags more than this; 0: never'),

  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'Postgres connection URL; unset: embedded Postgres' })),
  DATABASE_POOL_MAX: Int(1, 1000, 10, 'Connections in the API/worker query pool'),
  DATABASE_POOL_QUEUE_MAX: Int(0, 100_000, 100, 'Requests of an API process that may wait for a pool connection at once; more get 503 busy (Retry-After) at once'),
  DATABASE_SSL: OneOf(DATABASE_SSL_MODES, 'off', 'TLS to Postgres: off, no-verify (encrypt only) or verify (certificate and host name)'),
  DATABASE_SSL_CA: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of CA certificates for DATABASE_SSL=verify (e.g. the RDS bundle)' })),
  DATABASE_PREPARED_STATEMENTS: Flag(true, 'Run queries as named prepared statements (turn off behind PgBouncer in transaction mode)'),
  MIGRATE_ON_START: Flag(true, 'Run database migrations at start-up'),

  EMBEDDED_PG_DATA_DIR: Type.String({ minLength: 1, default: '.data/postgres', description: 'Data directory of the embedded Postgres' }),
  EMBEDDED_PG_PORT: Int(1, 65535, 54329, 'Port of the embedded Postgres (127.0.0.1 only)'),

  WORKER_MODE: OneOf(['inline', 'off'] as const, 'inline', 'inline: the API process also works calendar jobs; off: API only'),
  WORKER_CONCURRENCY: Int(1, 64, 4, 'Parallel fetch loops per worker process (pg-boss localConcurrency)'),
  WORKER_BATCH_SIZE: Int(1, 500, 200, 'Jobs fetched per loop (pg-boss batchSize); small calendars of a batch are built together'),
  WORKER_POLL_SECONDS: Type.Number({ minimum: 0.5, maximum: 600, default: 2, description: 'How often an idle worker looks for due jobs (retries; all jobs when LISTEN/NOTIFY is off)' }),
  QUEUE_LISTEN_NOTIFY: Flag(true, 'Wake workers with LISTEN/NOTIFY when a job is queued (turn off behind PgBouncer in transaction mode)'),
  WORKER_LIVENESS: Flag(true, 'Hand back the jobs of a worker whose Postgres session ended (SIGKILL, crash) within about a second; needs a direct connection: turn off behind PgBouncer in transaction mode'),
  QUEUE_SUPERVISE_SECONDS: Int(1, 3600, 60, 'How often pg-boss looks for jobs of dead workers (missed heartbeats) and expired jobs'),
  SHUTDOWN_TIMEOUT_MS: Int(0, 600_000, 25_000, 'How long SIGTERM waits for active jobs before giving them back'),
  WORKER_HTTP_PORT: Type.Optional(Type.Integer({ minimum: 1, maximum: 65535, description: 'Port of the standalone worker\'s health listener (GET /health on HOST); unset: none' })),

  ICAL_DELAY_MS: Int(0, 3_600_000, 0, 'Artificial delay inside each calendar job (to watch PENDING -> STARTED -> SUCCESS)'),
  ICAL_PRODID: Type.String({ minLength: 1, default: '-//Taskoverflow Calendar//mxm.dk//', description: 'PRODID of generated calendars' }),
  JOB_RETRY_LIMIT: Int(0, 100, 2, 'Retries of a failed calendar job'),
  JOB_RETRY_DELAY_SECONDS: Int(0, 3600, 1, 'First retry delay; doubles with each retry (backoff)'),
  JOB_EXPIRE_SECONDS: Int(1, 86_400, 900, 'A job active longer than this is failed and retried'),
  JOB_RETENTION_DAYS: Int(1, 365, 7, 'How long finished jobs and their calendars are kept'),

  FEED_REFRESH_SECONDS: Int(60, 604_800, 3600, 'How often calendar apps should poll a feed: its REFRESH-INTERVAL, X-PUBLISHED-TTL and Cache-Control max-age'),
  FEED_RATE_LIMIT_PER_MINUTE: Int(1, 100_000, 60, 'Polls of feed URLs allowed per client address and minute (429 beyond)'),

  API_TOKEN: Type.Optional(Type.String({ pattern: '^[\\x21-\\x7e]{16,}$', description: 'Bearer token every API request must carry (Authorization: Bearer <token>), except health, docs, the web page and feed URLs; at least 16 characters, no spaces; unset: open API' })),
  ICAL_RATE_LIMIT_PER_MINUTE: Int(0, 100_000, 60, 'POST /todos/ical requests allowed per client address and minute (429 beyond); 0: no limit'),
  CORS_ORIGINS: Type.Optional(Type.String({ pattern: '^https?://[^/,\\s]+(\\s*,\\s*https?://[^/,\\s]+)*$', description: 'Comma-separated origins (scheme://host[:port]) whose pages may call the API from a browser; unset: no CORS headers' }))
})

/** Settings whose value is never printed, not even in a configuration error. */
const SECRET_SETTINGS = new Set(['API_TOKEN'])
export type Env = Static<typeof EnvSchema>

export interface Config {
  http: {
    host: string
    port: number
    publicUrl: string | undefined
    /** lower-case host names (any port) or name:port entries a request's host may be taken from; '*': any */
    allowedHosts: string[]
    trustProxy: boolean
    /** 0: none */
    requestTimeoutMs: number
    /** 0: none */
    bodyTimeoutMs: number
    /** 0: no load shedding on event loop delay */
    maxEventLoopDelayMs: number
  }
  logLevel: (typeof LOG_LEVELS)[number]
  database: {
    /** undefined until the entry point has chosen: DATABASE_URL or the embedded Postgres */
    url: string | undefined
    poolMax: number
    /** API pool only: waiters allowed before a request is answered busy at once */
    poolQueueMax: number
    ssl: { mode: (typeof DATABASE_SSL_MODES)[number], caFile: string | undefined }
    /** named prepared statements in both pools (off behind PgBouncer in transaction mode) */
    preparedStatements: boolean
    migrateOnStart: boolean
  }
  /** explicitDataDir: EMBEDDED_PG_DATA_DIR was set (the default may be relocated when running as root) */
  embedded: { dataDir: string, port: number, explicitDataDir: boolean }
  worker: {
    mode: 'inline' | 'off'
    concurrency: number
    batchSize: number
    pollSeconds: number
    shutdownTimeoutMs: number
    /** the standalone worker's health listener port; undefined: no listener */
    httpPort: number | undefined
    /** a liveness session per process and the sweep that hands back dead workers' jobs */
    liveness: boolean
  }
  queue: { listenNotify: boolean, superviseSeconds: number }
  jobs: {
    retryLimit: number
    retryDelaySeconds: number
    expireInSeconds: number
    retentionDays: number
    icalDelayMs: number
  }
  calendar: { prodId: string }
  feeds: { refreshSeconds: number, rateLimitPerMinute: number }
  security: {
    /** undefined: the API is open */
    apiToken: string | undefined
    /** requests per client and minute; 0: unlimited */
    icalRateLimitPerMinute: number
    /** empty: CORS off */
    corsOrigins: string[]
  }
}

/** A Config whose database has been chosen; what buildApp and the worker need. */
/** source: the database in words, for log lines (never the URL: it may hold a password). */
export type ReadyConfig = Config & { database: Config['database'] & { url: string, source: string } }

export class ConfigError extends Error {
  override name = 'ConfigError'
}

/** Validate an environment (process.env in production, a literal in tests) into a Config. */
export function loadConfig (env: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const raw = pickKnown(EnvSchema, env)
  const withDefaults = Value.Default(EnvSchema, { ...raw }) // (Default fills in place)
  const converted = Value.Convert(EnvSchema, withDefaults)
  // The value as given, but never a password (a malformed DATABASE_URL may hold one).
  const problem = (name: string, schema: TSchema, message: string) =>
    `${name}=${SECRET_SETTINGS.has(name) ? `(hidden, ${raw[name]?.length ?? 0} characters)` : JSON.stringify(redactUrl(raw[name] ?? ''))}: ${message}` + (schema.description ? ` (${schema.description})` : '')
  const problems = [...numbersNotPlain(raw).map(([name, schema]) => problem(name, schema, `Expected ${schema.type}`)),
    ...[...Value.Errors(EnvSchema, converted)].map((error) => {
      const choices = (error.schema.anyOf as Array<{ const?: unknown }> | undefined)?.map((s) => s.const)
      return problem(error.path.replace(/^\//, ''), error.schema, choices ? `must be one of ${choices.join(', ')}` : error.message)
    })]
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${[...new Set(problems)].join('\n  ')}`)
  }
  const e = converted as Env
  if (e.DATABASE_URL !== undefined && !URL.canParse(e.DATABASE_URL)) {
    throw new ConfigError(`Invalid configuration:\n  DATABASE_URL=${JSON.stringify(redactUrl(e.DATABASE_URL))}: not a valid URL ` +
      '(percent-encode special characters in the user name and password, e.g. @ as %40 and / as %2F)')
  }
  if (e.DATABASE_SSL !== 'off' && e.DATABASE_URL === undefined) {
    throw new ConfigError(`Invalid configuration:\n  DATABASE_SSL=${e.DATABASE_SSL} needs DATABASE_URL (the embedded Postgres has no TLS)`)
  }
  return {
    http: {
      host: e.HOST,
      port: e.PORT,
      publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ''),
      allowedHosts: e.ALLOWED_HOSTS.toLowerCase().split(','),
      trustProxy: e.TRUST_PROXY,
      requestTimeoutMs: e.HTTP_REQUEST_TIMEOUT_MS,
      bodyTimeoutMs: e.HTTP_BODY_TIMEOUT_MS,
      maxEventLoopDelayMs: e.HTTP_MAX_EVENT_LOOP_DELAY_MS
    },
    logLevel: e.LOG_LEVEL,
    database: {
      url: e.DATABASE_URL,
      poolMax: e.DATABASE_POOL_MAX,
      poolQueueMax: e.DATABASE_POOL_QUEUE_MAX,
      ssl: { mode: e.DATABASE_SSL, caFile: e.DATABASE_SSL_CA },
      preparedStatements: e.DATABASE_PREPARED_STATEMENTS,
      migrateOnStart: e.MIGRATE_ON_START
    },
    embedded: { dataDir: path.resolve(cwd, e.EMBEDDED_PG_DATA_DIR), port: e.EMBEDDED_PG_PORT, explicitDataDir: raw.EMBEDDED_PG_DATA_DIR !== undefined },
    worker: {
      mode: e.WORKER_MODE,
      concurrency: e.WORKER_CONCURRENCY,
      batchSize: e.WORKER_BATCH_SIZE,
      pollSeconds: e.WORKER_POLL_SECONDS,
      shutdownTimeoutMs: e.SHUTDOWN_TIMEOUT_MS,
      httpPort: e.WORKER_HTTP_PORT,
      liveness: e.WORKER_LIVENESS
    },
    queue: { listenNotify: e.QUEUE_LISTEN_NOTIFY, superviseSeconds: e.QUEUE_SUPERVISE_SECONDS },
    jobs: {
      retryLimit: e.JOB_RETRY_LIMIT,
      retryDelaySeconds: e.JOB_RETRY_DELAY_SECONDS,
      expireInSeconds: e.JOB_EXPIRE_SECONDS,
      retentionDays: e.JOB_RETENTION_DAYS,
      icalDelayMs: e.ICAL_DELAY_MS
    },
    calendar: { prodId: e.ICAL_PRODID },
    feeds: { refreshSeconds: e.FEED_REFRESH_SECONDS, rateLimitPerMinute: e.FEED_RATE_LIMIT_PER_MINUTE },
    security: {
      apiToken: e.API_TOKEN,
      icalRateLimitPerMinute: e.ICAL_RATE_LIMIT_PER_MINUTE,
      corsOrigins: e.CORS_ORIGINS?.split(',').map((origin) => origin.trim()) ?? []
    }
  }
}

/** For entry points: the configuration, or the problems on stderr and exit code 1. */
export function loadConfigOrExit (): Config {
  try {
    return loadConfig()
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    console.error(error.message)
    process.exit(1)
  }
}

export function withDatabaseUrl (config: Config, url: string, source = 'the database'): ReadyConfig {
  return { ...config, database: { ...config.database, url, source } }
}

// TypeBox's Convert reads numbers leniently ("17404.5" becomes the integer 17404, "1e3" 1000):
// a number must be written out plainly, in decimal.
const PLAIN = { integer: /^[+-]?\d+$/, number: /^[+-]?(\d+(\.\d*)?|\.\d+)$/ } as const
function numbersNotPlain (raw: Record<string, string>): Array<[string, TSchema]> {
  return Object.entries(raw).flatMap(([name, value]) => {
    const schema = EnvSchema.properties[name as keyof Env] as TSchema
    const plain = PLAIN[schema.type as keyof typeof PLAIN] as RegExp | undefined
    return plain && !plain.test(value) ? [[name, schema] as [string, TSchema]] : []
  })
}

// Only the variables the schema knows, and an empty string counts as unset (as a shell's `VAR=`
// or an .env file's `PUBLIC_URL=`): the default applies. The README says so.
function pickKnown (schema: TSchema & { properties: Record<string, TSchema> }, env: NodeJS.ProcessEnv) {
  const picked: Record<string, string> = {}
  for (const key of Object.keys(schema.properties)) {
    const value = env[key]?.trim()
    if (value !== undefined && value !== '') picked[key] = value
  }
  return picked
}
