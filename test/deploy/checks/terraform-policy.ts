// The rules terraform/ must keep, over the parsed module (terraform.ts): a database nobody
// outside the app can reach, no password in the files, the load balancer checking the app's
// real health route, pinned versions, and an ECS stop timeout that outlasts a worker's stop.
import type { AppFacts } from './app.ts'
import type { Module } from './terraform.ts'

const OPEN = new Set(['0.0.0.0/0', '::/0'])
const POSTGRES_PORT = 5432

const block = (body: any, name: string): any => (body?.[name] ?? [])[0]
const ofType = (module: Module, type: string) => [...module.resources].filter(([address]) => address.startsWith(`${type}.`))

/** A literal, or a literal reached through "${var.x}" (its default) or "${local.x}". */
function resolve (module: Module, value: unknown, depth = 0): unknown {
  if (typeof value !== 'string' || depth > 5) return value
  const match = /^\$\{(var|local)\.([\w-]+)\}$/.exec(value)
  if (!match) return value
  return resolve(module, match[1] === 'var' ? module.variables.get(match[2]!)?.default : module.locals.get(match[2]!), depth + 1)
}

/** The CIDRs a rule admits; "${each.value}" stands for every list default its for_each names. */
function cidrsOf (module: Module, body: any, values: unknown[]): string[] {
  return values.flatMap((value) => {
    if (/^\$\{each\.(value|key)\}$/.test(String(value))) {
      const names = [...String(body.for_each ?? '').matchAll(/var\.([\w-]+)/g)].map((m) => m[1]!)
      return names.flatMap((name) => [module.variables.get(name)?.default ?? []].flat()).map(String)
    }
    return [resolve(module, value)].flat().map(String)
  })
}

function reachesPostgres (module: Module, protocol: unknown, from: unknown, to: unknown): boolean {
  if (['-1', 'all'].includes(String(resolve(module, protocol)))) return true
  const low = Number(resolve(module, from))
  const high = Number(resolve(module, to))
  return low <= POSTGRES_PORT && POSTGRES_PORT <= high
}

/** Every ingress rule as { address, target group, cidrs, peer group, reaches 5432 }. */
function ingressRules (module: Module) {
  const rules: Array<{ address: string, group: string, cidrs: string[], peer: boolean, postgres: boolean }> = []
  for (const [address, body] of ofType(module, 'aws_security_group')) {
    for (const rule of body.ingress ?? []) {
      rules.push({
        address,
        group: `\${${address}.id}`,
        cidrs: cidrsOf(module, rule, [...(rule.cidr_blocks ?? []), ...(rule.ipv6_cidr_blocks ?? [])]),
        peer: (rule.security_groups ?? []).length > 0,
        postgres: reachesPostgres(module, rule.protocol, rule.from_port, rule.to_port)
      })
    }
  }
  for (const [address, body] of ofType(module, 'aws_security_group_rule')) {
    if (body.type !== 'ingress') continue
    rules.push({
      address,
      group: body.security_group_id,
      cidrs: cidrsOf(module, body, [...[body.cidr_blocks ?? []].flat(), ...[body.ipv6_cidr_blocks ?? []].flat()]),
      peer: Boolean(body.source_security_group_id),
      postgres: reachesPostgres(module, body.protocol, body.from_port, body.to_port)
    })
  }
  for (const [address, body] of ofType(module, 'aws_vpc_security_group_ingress_rule')) {
    rules.push({
      address,
      group: body.security_group_id,
      cidrs: cidrsOf(module, body, [body.cidr_ipv4, body.cidr_ipv6].filter((c) => c !== undefined)),
      peer: Boolean(body.referenced_security_group_id),
      postgres: reachesPostgres(module, body.ip_protocol, body.from_port, body.to_port)
    })
  }
  return rules
}

function databaseProblems (module: Module): string[] {
  const problems: string[] = []
  const databases = ofType(module, 'aws_db_instance')
  if (databases.length === 0) problems.push('terraform: no aws_db_instance')
  for (const [address, db] of databases) {
    if (resolve(module, db.publicly_accessible) !== false) problems.push(`${address}: publicly_accessible must be false`)
    if (resolve(module, db.storage_encrypted) !== true) problems.push(`${address}: storage_encrypted must be true`)
    if (!(Number(resolve(module, db.backup_retention_period)) > 0)) problems.push(`${address}: backup_retention_period must keep backups (> 0)`)
    for (const setting of ['deletion_protection', 'skip_final_snapshot']) {
      if (!/var\./.test(String(db[setting] ?? ''))) problems.push(`${address}: ${setting} must come from a variable`)
    }
    if (db.password === undefined && db.manage_master_user_password !== true) problems.push(`${address}: no password source`)
    const groups = [db.vpc_security_group_ids ?? []].flat().map(String)
    for (const rule of ingressRules(module).filter((r) => groups.some((g) => g.includes(String(r.group).replace(/^\$\{|\.id\}$/g, ''))))) {
      if (rule.cidrs.length > 0 || !rule.peer) problems.push(`${rule.address}: the database admits ${rule.cidrs.join(', ') || 'no security group'}: allow the app's security group only`)
    }
  }
  for (const rule of ingressRules(module)) {
    if (rule.postgres && rule.cidrs.some((c) => OPEN.has(c))) problems.push(`${rule.address}: ingress from ${rule.cidrs.filter((c) => OPEN.has(c)).join(', ')} reaches PostgreSQL (${POSTGRES_PORT})`)
  }
  return problems
}

function secretProblems (module: Module): string[] {
  const problems: string[] = []
  const scan = (where: string, node: unknown): void => {
    if (Array.isArray(node)) node.forEach((item) => scan(where, item))
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (/password/i.test(key) && typeof value === 'string' && value !== '' && !value.startsWith('${')) problems.push(`${where}: ${key} is a literal password`)
        scan(where, value)
      }
    }
  }
  for (const [address, body] of module.resources) scan(address, body)
  for (const [name, value] of module.locals) scan(`local.${name}`, { [name]: value })
  for (const [name, body] of module.variables) {
    if (/password|secret/i.test(name) && typeof body.default === 'string' && body.default !== '') problems.push(`var.${name}: a default password`)
  }
  for (const { file, text } of module.expressions) {
    if (/postgres(ql)?:\/\/[^/@\s:]+:[^@/\s]+@/.test(text)) problems.push(`${file}: a connection URL with a password in it: ${text}`)
    // Inside an expression, e.g. jsonencode({ password = "..." }) as a secret's value.
    if (/password"?\s*[=:]\s*"(?!\$\{)[^"]+"/i.test(text)) problems.push(`${file}: a literal password in ${text}`)
  }
  let injected = false
  const find = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(find)
    else if (node && typeof node === 'object') {
      const { name, valueFrom } = node as Record<string, unknown>
      if (name === 'PGPASSWORD' && /aws_secretsmanager_secret|master_user_secret/.test(String(valueFrom))) injected = true
      Object.values(node).forEach(find)
    }
  }
  find([...module.locals.values(), ...module.resources.values()])
  if (!injected) problems.push('terraform/ecs.tf: the tasks must get PGPASSWORD from the database secret (an ECS secret, valueFrom)')
  return problems
}

function serviceProblems (module: Module, app: AppFacts): string[] {
  const problems: string[] = []
  for (const [address, group] of ofType(module, 'aws_lb_target_group')) {
    const path = resolve(module, block(group, 'health_check')?.path)
    if (path !== app.healthPath) problems.push(`${address}: health check path ${JSON.stringify(path)} is not the app's ${app.healthPath}`)
    if (Number(resolve(module, group.port)) !== app.port) problems.push(`${address}: port ${JSON.stringify(resolve(module, group.port))} is not the app's ${app.port}`)
    if (group.target_type !== 'ip') problems.push(`${address}: target_type must be "ip" (Fargate tasks)`)
  }
  const services = ofType(module, 'aws_ecs_service')
  if (!services.some(([, s]) => s.load_balancer)) problems.push('terraform: no ECS service behind the load balancer')
  if (!services.some(([, s]) => !s.load_balancer)) problems.push('terraform: no ECS worker service')
  for (const [address, service] of services) {
    if (block(service, 'deployment_circuit_breaker')?.enable !== true) problems.push(`${address}: needs deployment_circuit_breaker { enable = true }`)
    if (service.load_balancer && service.health_check_grace_period_seconds === undefined) problems.push(`${address}: needs health_check_grace_period_seconds`)
  }
  const stop = Number(resolve(module, module.locals.get('stop_timeout_seconds')))
  const shutdown = Number(resolve(module, module.locals.get('shutdown_timeout_ms')))
  // The entry points give up SHUTDOWN_TIMEOUT_MS + 10 s after SIGTERM; Fargate allows 120 s.
  if (!(stop > shutdown / 1000 + 10 && stop <= 120)) {
    problems.push(`terraform/ecs.tf: stopTimeout (local.stop_timeout_seconds = ${stop}) must exceed SHUTDOWN_TIMEOUT_MS/1000 + 10 (local.shutdown_timeout_ms = ${shutdown}) and be at most 120`)
  }
  if (module.expressions.some(({ text }) => /:latest\b/.test(text)) || resolve(module, module.variables.get('image_tag')?.default) === 'latest') {
    problems.push('terraform: images must run a pinned tag (var.image_tag), not latest')
  }
  for (const [address] of ofType(module, 'aws_ecr_repository')) {
    if (!ofType(module, 'aws_ecr_lifecycle_policy').some(([, p]) => String(p.repository).includes(address))) problems.push(`${address}: no aws_ecr_lifecycle_policy`)
  }
  for (const [address, group] of ofType(module, 'aws_cloudwatch_log_group')) {
    if (group.retention_in_days === undefined) problems.push(`${address}: set retention_in_days (logs are kept forever otherwise)`)
  }
  return problems
}

function versionProblems (module: Module): string[] {
  const providers = module.settings.flatMap((s) => s.required_providers ?? []).flatMap((p: Record<string, any>) => Object.entries(p))
  if (providers.length === 0) return ['terraform/versions.tf: no required_providers']
  // "~> 6.0" (this major) or an exact version; ">= 6.0" would take 7.0 with its breaking changes.
  const pinned = /^\s*(~>\s*\d+(\.\d+)*|=?\s*\d+\.\d+\.\d+)\s*$/
  return providers.filter(([, p]) => !pinned.test(String(p.version ?? '')))
    .map(([name]) => `terraform/versions.tf: provider ${name} must be pinned (version = "~> X.Y")`)
}

export function policyProblems (module: Module, app: AppFacts): string[] {
  return [...versionProblems(module), ...databaseProblems(module), ...secretProblems(module), ...serviceProblems(module, app)]
}
