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
  /** the GET route tagged "health" */
  healthPath: string
  /** SHUTDOWN_TIMEOUT_MS's default: how long a stopping worker lets active jobs finish */
  shutdownTimeoutMs: number
}

export async function appFacts (): Promise<AppFacts> {
  const openapi = YAML.parse(await readFile(path.join(root, 'openapi.yaml'), 'utf8'))
  const healthPath = Object.entries<any>(openapi.paths).find(([, item]) => item.get?.tags?.includes('health'))?.[0]
  if (!healthPath) throw new Error('openapi.yaml has no GET route tagged "health"')
  return {
    port: EnvSchema.properties.PORT.default,
    healthPath,
    shutdownTimeoutMs: EnvSchema.properties.SHUTDOWN_TIMEOUT_MS.default
  }
}

/** The files under test, by path relative to the repository. */
export async function readRepoFiles (paths: string[]): Promise<Record<string, string>> {
  const entries = await Promise.all(paths.map(async (p) => [p, await readFile(path.join(root, p), 'utf8')] as const))
  return Object.fromEntries(entries)
}
