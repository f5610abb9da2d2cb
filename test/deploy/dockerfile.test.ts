// The Dockerfile and .dockerignore pass their checks, and every deliberate mistake in
// fixtures/mistakes.ts is caught by name.
import t from 'tap'
import { appFacts, readRepoFiles } from './checks/app.ts'
import { probeUrl } from '../../src/health/probe.ts'
import { checkDockerfile, checkDockerignore, healthcheckCommand, imageCommand } from './checks/dockerfile.ts'
import { dockerfileMistakes, withMistake } from './fixtures/mistakes.ts'

const app = await appFacts()
const files = await readRepoFiles(['Dockerfile', '.dockerignore'])
const check = (f: Record<string, string>) => [...checkDockerfile(f.Dockerfile!, app), ...checkDockerignore(f['.dockerignore']!)]

t.test('the Dockerfile and .dockerignore have no problems', async (t) => {
  t.same(check(files), [])
})

t.test('the image runs node itself; its health check asks the API\'s liveness route, or a worker\'s listener', async (t) => {
  t.same(imageCommand(files.Dockerfile!), ['node', 'dist/src/server.js'])
  t.same(healthcheckCommand(files.Dockerfile!), ['node', 'dist/src/health/probe.js'])
  t.equal(probeUrl({ PORT: '6400' }, undefined), `http://127.0.0.1:6400${app.livenessPath}`)
  t.equal(probeUrl({ PORT: '6400', WORKER_HTTP_PORT: '6401' }, undefined), 'http://127.0.0.1:6401/health')
  t.equal(probeUrl({}, app.healthPath), `http://127.0.0.1:6400${app.healthPath}`, 'a path given: the API on PORT (6400 by default)')
})

for (const mistake of dockerfileMistakes) {
  t.test(`caught: ${mistake.name}`, async (t) => {
    const problems = check(withMistake(files, mistake))
    t.ok(problems.some((p) => mistake.expect.test(p)), `expected ${mistake.expect}`, { problems })
  })
}
