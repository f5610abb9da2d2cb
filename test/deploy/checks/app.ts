// What the deployment files must agree with, taken from the app itself rather than restated:
// the port and shutdown timeout defaults from the environment schema, the health path from
// openapi.yaml (generated from the routes; test/openapi.test.ts fails when it is stale).
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import YAML from 'yaml'
import { EnvSchema } from '../../../src/config.ts'

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..', '..')

export interface AppFacts {
  /** PORT's default: the port the API listens on in every container */
  port: number
  /** readiness: the GET route tagged "health" that asks the database */
  healthPath: string
  /** liveness: the GET route tagged "health" that does not; the probe's default */
  livenessPath: string
  /** SHUTDOWN_TIMEOUT_MS's default: how long a stopping worker lets active jobs finish */
  shutdownTimeoutMs: number
}

export async function appFacts (): Promise<AppFacts> {
  const openapi = YAML.parse(await readFile(path.join(root, 'openapi.yaml'), 'utf8'))
  const healthPaths = Object.entries<any>(openapi.paths).filter(([, item]) => item.get?.tags?.includes('health')).map(([p]) => p)
  const healthPath = healthPaths.find((p) => p.endsWith('/health'))
  const livenessPath = healthPaths.find((p) => p.endsWith('/health/live'))
  if (!healthPath || !livenessPath) throw new Error('openapi.yaml lacks GET .../health or .../health/live tagged "health"')
  return {
    port: EnvSchema.properties.PORT.default,
    healthPath,
    livenessPath,
    shutdownTimeoutMs: EnvSchema.properties.SHUTDOWN_TIMEOUT_MS.default
  }
}

/** The files under test, by path relative to the repository. */
export async function readRepoFiles (paths: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(paths.map(async (p) => [p, await readFile(path.join(root, p), 'utf8')] as const))
  return Object.fromEntries(entries)
}
