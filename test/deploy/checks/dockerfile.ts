// Checks of the Dockerfile and .dockerignore as text: parsed by dockerfile-ast, validated by
// dockerfile-utils (the parser and linter behind the Docker VS Code extension), then held to
// the rules the image must keep. Each problem is a sentence that says what to change.
import { validate } from 'dockerfile-utils'
import { Copy, DockerfileParser, Env, From, Healthcheck, type Instruction } from 'dockerfile-ast'
import type { AppFacts } from './app.ts'

export interface Stage {
  name: string | undefined
  from: From
  /** the last absolute WORKDIR of the stage ('/' if none) */
  workdir: string
  instructions: Instruction[]
}

export function stagesOf (text: string): Stage[] {
  const stages: Stage[] = []
  for (const instruction of DockerfileParser.parse(text).getInstructions()) {
    if (instruction instanceof From) {
      stages.push({ name: instruction.getBuildStage() ?? undefined, from: instruction, workdir: '/', instructions: [] })
      continue
    }
    const stage = stages.at(-1)
    if (!stage) continue
    stage.instructions.push(instruction)
    if (instruction.getKeyword() === 'WORKDIR') {
      const dir = instruction.getArgumentsContent() ?? ''
      stage.workdir = dir.startsWith('/') ? dir : `${stage.workdir.replace(/\/$/, '')}/${dir}`
    }
  }
  return stages
}

/** The arguments of an exec-form (JSON array) instruction; undefined for the shell form. */
export function execForm (args: string | null | undefined): string[] | undefined {
  if (!args?.trim().startsWith('[')) return undefined
  try {
    const parsed: unknown = JSON.parse(args)
    return Array.isArray(parsed) && parsed.every((a) => typeof a === 'string') ? parsed : undefined
  } catch {
    return undefined
  }
}

const keyword = (stage: Stage | undefined, name: string) => stage?.instructions.filter((i) => i.getKeyword() === name) ?? []
const last = <T>(items: T[]) => items.at(-1)

/** The final stage's CMD as an argv ([] when missing or in shell form). */
export function imageCommand (text: string): string[] {
  return execForm(last(keyword(stagesOf(text).at(-1), 'CMD'))?.getArgumentsContent()) ?? []
}

/** The final stage's HEALTHCHECK command as an argv ([] when missing, NONE or in shell form). */
export function healthcheckCommand (text: string): string[] {
  const check = last(keyword(stagesOf(text).at(-1), 'HEALTHCHECK')) as Healthcheck | undefined
  if (check?.getSubcommand()?.getValue().toUpperCase() !== 'CMD') return []
  return execForm(check.getArgumentsContent()?.replace(/^\s*CMD\s*/i, '')) ?? []
}

/** Every ENV the final stage sets. */
export function imageEnvironment (text: string): Record<string, string> {
  const env: Record<string, string> = {}
  for (const instruction of keyword(stagesOf(text).at(-1), 'ENV')) {
    for (const property of (instruction as Env).getProperties()) env[property.getName()] = property.getValue() ?? ''
  }
  return env
}

export interface CopyStep { fromStage: string | undefined, sources: string[], destination: string }

/** A stage's COPY instructions: sources and destination as written. */
export function copiesOf (stage: Stage): CopyStep[] {
  return keyword(stage, 'COPY').map((instruction) => {
    const args = instruction.getArguments().map((a) => a.getValue())
    return { fromStage: (instruction as Copy).getFromFlag()?.getValue() ?? undefined, sources: args.slice(0, -1), destination: args.at(-1) ?? '' }
  })
}

/** FROM lines with the ARGs declared before the first FROM at their defaults, as a plain build sees them. */
export function withArgDefaults (text: string): string {
  const head = text.split(/^FROM /m)[0] ?? ''
  const defaults = new Map([...head.matchAll(/^ARG (\w+)=(\S+)/gm)].map((m) => [m[1]!, m[2]!]))
  return text.replace(/^FROM .*$/gm, (line) => line.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, a, b) => defaults.get(a ?? b) ?? whole))
}

export function checkDockerfile (original: string, app: AppFacts): string[] {
  const problems = validate(original).map((d) => `Dockerfile:${d.range.start.line + 1}: ${d.message}`)
  const text = withArgDefaults(original)
  const stages = stagesOf(text)
  const final = stages.at(-1)
  if (!final) return [...problems, 'Dockerfile: no FROM']
  if (stages.length < 2) problems.push('Dockerfile: one stage only: build in a first stage and copy the result into a slim final stage')

  for (const { from } of stages) {
    const tag = from.getImageTag()
    if (!tag || tag === 'latest') problems.push(`Dockerfile: FROM ${from.getImage()}: pin a version tag (not latest)`)
    if (!from.getImageDigest()) problems.push(`Dockerfile: FROM ${from.getImage()}: pin the digest too (name:tag@sha256:...)`)
  }
  const [major = 0, minor = 0] = (final.from.getImageTag() ?? '').split(/[.-]/).map(Number)
  if (final.from.getImageName() !== 'node' || !(major > 22 || (major === 22 && minor >= 12))) {
    problems.push(`Dockerfile: final stage FROM ${final.from.getImage()}: must be the node image, 22.12 or newer`)
  }
  if (!/slim/.test(final.from.getImageTag() ?? '')) problems.push(`Dockerfile: final stage FROM ${final.from.getImage()}: use a slim variant`)

  const runs = stages.flatMap((s) => keyword(s, 'RUN').map((i) => ({ stage: s, command: i.getArgumentsContent() ?? '' })))
  if (runs.some((r) => /\bnpm\s+(install|i|add)\b/.test(r.command))) problems.push('Dockerfile: RUN npm install: use npm ci (installs exactly package-lock.json)')
  if (!runs.some((r) => /\bnpm\s+ci\b/.test(r.command))) problems.push('Dockerfile: no RUN npm ci')
  const buildRuns = runs.filter((r) => r.stage !== final).map((r) => r.command).join('\n')
  if (!/\bnpm run build\b/.test(buildRuns)) problems.push('Dockerfile: no build stage runs npm run build')
  const prunes = /\bnpm prune\b[^&;\n]*--omit=dev/.test(buildRuns)
  const finalInstalls = runs.filter((r) => r.stage === final && /\bnpm\s+ci\b/.test(r.command))
  if (!prunes && finalInstalls.length === 0) problems.push('Dockerfile: dev dependencies reach the final image: npm prune --omit=dev after the build')
  if (finalInstalls.some((r) => !/--omit=dev/.test(r.command))) problems.push('Dockerfile: final stage installs dev dependencies: npm ci --omit=dev')

  const user = last(keyword(final, 'USER'))?.getArgumentsContent()?.trim()
  if (!user || /^(root|0)(:.*)?$/.test(user)) problems.push('Dockerfile: final stage runs as root: add USER node')
  if (imageEnvironment(text).NODE_ENV !== 'production') problems.push('Dockerfile: final stage must set ENV NODE_ENV=production')
  const exposed = keyword(final, 'EXPOSE').flatMap((i) => i.getArguments().map((a) => a.getValue().split('/')[0]))
  if (!exposed.includes(String(app.port))) problems.push(`Dockerfile: final stage must EXPOSE ${app.port}`)

  const check = last(keyword(final, 'HEALTHCHECK')) as Healthcheck | undefined
  const probe = healthcheckCommand(text)
  if (!check || check.getSubcommand()?.getValue().toUpperCase() === 'NONE') {
    problems.push('Dockerfile: final stage has no HEALTHCHECK')
  } else if (probe.join(' ') !== 'node dist/src/health/probe.js') {
    problems.push('Dockerfile: HEALTHCHECK must be CMD ["node", "dist/src/health/probe.js"] (slim images have no curl; the probe picks the API or the worker)')
  }

  const command = imageCommand(text)
  if (keyword(final, 'CMD').length === 0) problems.push('Dockerfile: final stage has no CMD')
  else if (command.length === 0) problems.push('Dockerfile: CMD in shell form: /bin/sh would receive SIGTERM, not Node; use CMD ["node", ...]')
  else if (command[0] !== 'node') problems.push(`Dockerfile: CMD runs ${command.join(' ')}: run node directly so SIGTERM reaches it`)
  else if (!command[1]?.startsWith('dist/')) problems.push('Dockerfile: CMD must run the build output (dist/...)')
  if (keyword(final, 'ENTRYPOINT').length > 0) problems.push('Dockerfile: no ENTRYPOINT: compose and ECS choose the command (api, worker, migrate)')
  return problems
}

/** What must never be sent to the Docker daemon as build context. */
const IGNORED = [
  ['node_modules', /^\/?(\*\*\/)?node_modules\/?$/],
  ['.data', /^\/?\.data\/?$/],
  ['.git', /^\/?\.git\/?$/],
  ['env files', /^\/?(\*\*\/)?\.env(\*|\.\*)?$/],
  ['coverage', /^\/?coverage\/?$/],
  ['terraform state', /^\/?terraform\/?$|tfstate/]
] as const

export function checkDockerignore (text: string): string[] {
  const patterns = text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'))
  return IGNORED.filter(([, pattern]) => !patterns.some((p) => pattern.test(p)))
    .map(([what]) => `.dockerignore: does not keep ${what} out of the build context`)
}
