// Checks of docker-compose.yml as text: interpolated as `docker compose` would with no .env
// (every ${VAR:-default} takes its default), validated against the Compose Specification's JSON
// schema, then held to what this app needs (ports, health path, start order, graceful stop).
import AjvModule from 'ajv'
import YAML from 'yaml'
import type { AppFacts } from './app.ts'

// ajv is CommonJS: its class is the module's default export as TypeScript sees it.
const Ajv = AjvModule.default

type Json = null | boolean | number | string | Json[] | { [key: string]: Json }
interface Service { [key: string]: any }

/** `${VAR:-default}`, `${VAR-default}`, `${VAR}`, `$VAR` and `$$`, with an empty environment. */
export function interpolate (value: string): string {
  return value.replace(/\$(\$|\{([A-Za-z_][A-Za-z0-9_]*)(?::?[-?+]([^}]*))?\}|[A-Za-z_][A-Za-z0-9_]*)/g,
    (_match, what: string, _name: string | undefined, fallback: string | undefined) => what === '$' ? '$' : fallback ?? '')
}

function interpolateAll (node: Json): Json {
  if (typeof node === 'string') return interpolate(node)
  if (Array.isArray(node)) return node.map(interpolateAll)
  if (node && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, interpolateAll(v)]))
  return node
}

/** "1m30s" -> 90 (seconds); NaN when it is not a duration. */
export function durationSeconds (value: unknown): number {
  const text = String(value ?? '')
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us)/g)]
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) return NaN
  const unit: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001, us: 0.000001 }
  return parts.reduce((sum, [, n, u]) => sum + Number(n) * unit[u!]!, 0)
}

/** The services of a compose file, interpolated as `docker compose` would with no .env. */
export function composeServices (text: string): Record<string, Service> {
  return (interpolateAll(YAML.parse(text, { merge: true })) as any)?.services ?? {}
}

export function environmentOf (service: Service): Record<string, string> {
  const env = service.environment ?? {}
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === null ? '' : String(v)]))
  return Object.fromEntries(env.map((entry: string) => [entry.split('=')[0], entry.split('=').slice(1).join('=')]))
}

/** Container ports a service publishes, from the short ("6400:6400") or long syntax. */
function publishedContainerPorts (service: Service): number[] {
  return (service.ports ?? []).map((p: string | number | { target: number | string }) =>
    typeof p === 'object' ? Number(p.target) : Number(String(p).split('/')[0]!.split(':').at(-1)))
}

function schemaProblems (document: Json, schema: Record<string, any>): string[] {
  // The vendored schema names a draft-07 URL Ajv does not know by that spelling; it is draft-07.
  const { $schema: _draft, ...rest } = schema
  const validate = new Ajv({ allErrors: true, strict: false }).compile(rest)
  if (validate(document)) return []
  return [...new Set((validate.errors ?? []).map((e) => {
    const extra = e.params && 'additionalProperty' in e.params ? ` (${String(e.params.additionalProperty)})` : ''
    return `docker-compose.yml: schema: ${e.instancePath || '/'} ${e.message ?? ''}${extra}`
  }))]
}

export function checkCompose (text: string, schema: Record<string, any>, app: AppFacts): string[] {
  let document: Json
  try {
    document = interpolateAll(YAML.parse(text, { merge: true }))
  } catch (error) {
    return [`docker-compose.yml: not YAML: ${(error as Error).message}`]
  }
  const problems = schemaProblems(document, schema)
  const services: Record<string, Service> = (document as any)?.services ?? {}
  const names = Object.keys(services)
  for (const required of ['db', 'migrate', 'api', 'worker']) {
    if (!services[required]) problems.push(`docker-compose.yml: no ${required} service`)
  }

  for (const [name, service] of Object.entries(services)) {
    const dependsOn = Array.isArray(service.depends_on) ? service.depends_on : Object.keys(service.depends_on ?? {})
    for (const dependency of dependsOn) {
      if (!names.includes(dependency)) problems.push(`docker-compose.yml: ${name} depends_on ${dependency}, which is not a service`)
    }
    if (/redis|valkey/i.test(String(service.image ?? ''))) problems.push(`docker-compose.yml: ${name} runs ${service.image}: no Redis, the queue lives in PostgreSQL`)
  }

  const db = services.db
  if (db) {
    if (!/^postgres:\d+/.test(String(db.image ?? ''))) problems.push('docker-compose.yml: db must use the postgres image with a pinned major version')
    if (!JSON.stringify(db.healthcheck?.test ?? '').includes('pg_isready')) problems.push('docker-compose.yml: db needs a healthcheck with pg_isready')
    const volume = String((db.volumes ?? [])[0] ?? '').split(':')[0]
    if (!volume || !(document as any).volumes || !(volume in (document as any).volumes)) problems.push('docker-compose.yml: db data must live in a named volume')
  }

  for (const name of ['migrate', 'api', 'worker']) {
    const service = services[name]
    if (!service) continue
    const conditions = service.depends_on ?? {}
    if (conditions.db?.condition !== 'service_healthy') problems.push(`docker-compose.yml: ${name} must wait for db: service_healthy`)
    if (name !== 'migrate' && conditions.migrate?.condition !== 'service_completed_successfully') {
      problems.push(`docker-compose.yml: ${name} must wait for migrate: service_completed_successfully`)
    }
    if (service.init !== true) problems.push(`docker-compose.yml: ${name} needs init: true (signals and zombie reaping)`)
    const env = environmentOf(service)
    if (!env.DATABASE_URL?.startsWith('postgres://') || !env.DATABASE_URL.includes('@db:')) {
      problems.push(`docker-compose.yml: ${name} must set DATABASE_URL to the db service (else it starts an embedded PostgreSQL)`)
    }
    const command = Array.isArray(service.command) ? service.command : []
    if (command[0] !== 'node') problems.push(`docker-compose.yml: ${name} command must run node directly (exec form)`)
    const shutdownMs = Number(env.SHUTDOWN_TIMEOUT_MS || app.shutdownTimeoutMs)
    // The entry points wait SHUTDOWN_TIMEOUT_MS, then 10 s more, before they give up.
    if (name !== 'migrate' && !(durationSeconds(service.stop_grace_period) > shutdownMs / 1000)) {
      problems.push(`docker-compose.yml: ${name} stop_grace_period (${service.stop_grace_period ?? '10s default'}) must be longer than SHUTDOWN_TIMEOUT_MS (${shutdownMs} ms)`)
    }
  }

  const api = services.api
  if (api) {
    const env = environmentOf(api)
    const port = Number(env.PORT || app.port)
    if (port !== app.port) problems.push(`docker-compose.yml: api PORT=${env.PORT}, the image and health checks use ${app.port}`)
    if ((api.ports ?? []).some((p: unknown) => typeof p !== 'string' || !p.startsWith('127.0.0.1:'))) problems.push('docker-compose.yml: api must publish on 127.0.0.1 by default (API_BIND defaults to 127.0.0.1)')
    if (!publishedContainerPorts(api).includes(port)) problems.push(`docker-compose.yml: api must publish container port ${port} (e.g. "${port}:${port}")`)
    if (env.HOST !== '0.0.0.0') problems.push('docker-compose.yml: api needs HOST=0.0.0.0 (the default 127.0.0.1 is unreachable from outside the container)')
    if (env.WORKER_MODE !== 'off') problems.push('docker-compose.yml: api needs WORKER_MODE=off (the worker service works the jobs)')
    const probe = (api.healthcheck?.test ?? []) as string[]
    if (probe.join(' ') !== `CMD node dist/src/health/probe.js ${app.healthPath}`) problems.push(`docker-compose.yml: api healthcheck must be ["CMD", "node", "dist/src/health/probe.js", "${app.healthPath}"] (readiness)`)
  }

  const worker = services.worker
  if (worker) {
    if (worker.container_name || (worker.ports ?? []).length > 0) problems.push('docker-compose.yml: worker must not set container_name or ports, or --scale worker=N fails')
    if (worker.command?.[1] !== 'dist/src/worker.js') problems.push('docker-compose.yml: worker must run dist/src/worker.js')
    // The image's probe asks the worker's listener only when WORKER_HTTP_PORT is set.
    if (!environmentOf(worker).WORKER_HTTP_PORT || worker.healthcheck?.disable) problems.push('docker-compose.yml: worker needs WORKER_HTTP_PORT and a health check (its GET /health)')
  }
  return problems
}
