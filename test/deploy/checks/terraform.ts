// Checks of terraform/ as text, without terraform: every file parses (HashiCorp's HCL parser),
// every reference names something declared, the expected files and outputs exist, and the
// policy rules in terraform-policy.ts hold. checkTerraform takes { path: text }, so a test can
// hand it a copy with a mistake in it.
import { parseHcl, referencesIn } from './hcl.ts'
import { policyProblems } from './terraform-policy.ts'
import type { AppFacts } from './app.ts'

/** What the module declares, by address: "var.x" bodies by name, resources by "type.name". */
export interface Module {
  variables: Map<string, any>
  locals: Map<string, any>
  resources: Map<string, any>
  data: Map<string, any>
  modules: Set<string>
  outputs: Set<string>
  /** every "${...}" string, with the file it is in */
  expressions: Array<{ file: string, text: string }>
  /** names of dynamic blocks: their iterators (ingress.value) are not references */
  iterators: Set<string>
  /** the top-level terraform { } blocks */
  settings: any[]
}

export const REQUIRED_FILES = ['versions', 'variables', 'network', 'security_groups', 'database', 'ecr', 'iam', 'logs', 'ecs', 'alb', 'outputs']
  .map((name) => `terraform/${name}.tf`).concat('terraform/terraform.tfvars.example')
const REQUIRED_OUTPUTS = ['url', 'swagger_url', 'ecr_repository_url', 'db_endpoint', 'db_secret_arn']
// Roots that are not declarations: count.index, each.value, path.module, self, terraform.workspace.
const BUILT_IN = new Set(['count', 'each', 'path', 'self', 'terraform'])

function emptyModule (): Module {
  return { variables: new Map(), locals: new Map(), resources: new Map(), data: new Map(), modules: new Set(), outputs: new Set(), expressions: [], iterators: new Set(), settings: [] }
}

/** Calls visit with every value in the tree (and the key it sits under; '' in an array). */
function walk (node: unknown, visit: (key: string, value: unknown) => void, key = ''): void {
  visit(key, node)
  if (Array.isArray(node)) for (const item of node) walk(item, visit)
  else if (node && typeof node === 'object') for (const [k, value] of Object.entries(node)) walk(value, visit, k)
}

function declare (module: Module, file: string, parsed: Record<string, any>, problems: string[]): void {
  const add = (map: Map<string, any> | Set<string>, address: string, body: unknown) => {
    if (map.has(address)) problems.push(`${file}: ${address} is declared twice`)
    if (map instanceof Map) map.set(address, body)
    else map.add(address)
  }
  for (const [name, [body]] of Object.entries<any[]>(parsed.variable ?? {})) add(module.variables, name, body)
  for (const block of parsed.locals ?? []) for (const [name, value] of Object.entries(block)) add(module.locals, name, value)
  for (const [type, byName] of Object.entries<Record<string, any[]>>(parsed.resource ?? {})) {
    for (const [name, [body]] of Object.entries(byName)) add(module.resources, `${type}.${name}`, body)
  }
  for (const [type, byName] of Object.entries<Record<string, any[]>>(parsed.data ?? {})) {
    for (const [name, [body]] of Object.entries(byName)) add(module.data, `${type}.${name}`, body)
  }
  for (const name of Object.keys(parsed.module ?? {})) add(module.modules, name, undefined)
  for (const name of Object.keys(parsed.output ?? {})) add(module.outputs, name, undefined)
  module.settings.push(...(parsed.terraform ?? []))
  walk(parsed, (key, value) => {
    if (key === 'dynamic' && value && typeof value === 'object') for (const name of Object.keys(value)) module.iterators.add(name)
    if (typeof value === 'string' && value.includes('${')) module.expressions.push({ file, text: value })
  })
}

/** "var.x", "aws_lb.api.arn", ...: is the thing it names declared? */
function undeclared (module: Module, reference: string): string | undefined {
  const [root = '', first, second] = reference.split('.')
  if (BUILT_IN.has(root) || module.iterators.has(root) || first === undefined) return undefined
  if (root === 'var') return module.variables.has(first) ? undefined : `var.${first}`
  if (root === 'local') return module.locals.has(first) ? undefined : `local.${first}`
  if (root === 'module') return module.modules.has(first) ? undefined : `module.${first}`
  if (root === 'data') return module.data.has(`${first}.${second}`) ? undefined : `data.${first}.${second}`
  return module.resources.has(`${root}.${first}`) ? undefined : `${root}.${first}`
}

export async function loadModule (files: Record<string, string>, problems: string[]): Promise<{ module: Module, tfvars: Record<string, any> }> {
  const module = emptyModule()
  let tfvars: Record<string, any> = {}
  for (const [file, text] of Object.entries(files)) {
    let parsed: Record<string, any>
    try {
      parsed = await parseHcl(file, text)
    } catch (error) {
      problems.push(`${file}: does not parse: ${(error as Error).message}`)
      continue
    }
    if (file.endsWith('.tf')) declare(module, file, parsed, problems)
    else tfvars = parsed
  }
  return { module, tfvars }
}

export async function checkTerraform (files: Record<string, string>, app: AppFacts): Promise<string[]> {
  const problems: string[] = []
  for (const file of REQUIRED_FILES) if (!(file in files)) problems.push(`${file}: missing`)
  const { module, tfvars } = await loadModule(files, problems)

  const seen = new Set<string>()
  for (const { file, text } of module.expressions) {
    if (seen.has(text)) continue
    seen.add(text)
    let references: string[]
    try {
      references = await referencesIn(file, text)
    } catch (error) {
      problems.push(`${file}: cannot read the expression ${text}: ${(error as Error).message}`)
      continue
    }
    for (const reference of references) {
      const missing = undeclared(module, reference)
      if (missing) problems.push(`${file}: ${text} refers to ${missing}, which is not declared`)
    }
  }
  for (const name of Object.keys(tfvars)) {
    if (!module.variables.has(name)) problems.push(`terraform/terraform.tfvars.example: ${name} is not a declared variable`)
  }
  for (const name of REQUIRED_OUTPUTS) if (!module.outputs.has(name)) problems.push(`terraform/outputs.tf: no output ${name}`)
  return [...new Set([...problems, ...policyProblems(module, app)])]
}
