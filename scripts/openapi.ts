// `npm run openapi`: write openapi.yaml from the routes' own schemas. No database needed: the
// HTTP layer registers without one. test/openapi.test.ts fails when the file is stale.
import { writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { stringify } from 'yaml'
import { createServer } from '../src/app.ts'
import { loadConfig } from '../src/config.ts'
import { httpApi } from '../src/api.ts'

export async function openApiYaml (): Promise<string> {
  const config = loadConfig({ LOG_LEVEL: 'silent' })
  const app = createServer(config)
  await app.register(httpApi, config)
  await app.ready()
  const document = app.swagger()
  await app.close()
  // Plain YAML: no anchors and aliases for repeated parts.
  return stringify(document, { aliasDuplicateObjects: false, lineWidth: 0 })
}

export const OPENAPI_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'openapi.yaml')

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(OPENAPI_FILE, await openApiYaml())
  console.log(`wrote ${OPENAPI_FILE}`)
}
