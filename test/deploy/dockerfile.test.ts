// The Dockerfile and .dockerignore pass their checks, and every deliberate mistake in
// fixtures/mistakes.ts is caught by name.
import t from 'tap'
import { appFacts, readRepoFiles } from './checks/app.ts'
import { checkDockerfile, checkDockerignore, healthcheckCommand, imageCommand } from './checks/dockerfile.ts'
import { dockerfileMistakes, withMistake } from './fixtures/mistakes.ts'

const app = await appFacts()
const files = await readRepoFiles(['Dockerfile', '.dockerignore'])
const check = (f: Record<string, string>) => [...checkDockerfile(f.Dockerfile!, app), ...checkDockerignore(f['.dockerignore']!)]

t.test('the Dockerfile and .dockerignore have no problems', async (t) => {
  t.same(check(files), [])
})

t.test('the image runs node itself, and its health check is node calling the health route', async (t) => {
  t.same(imageCommand(files.Dockerfile!), ['node', 'dist/src/server.js'])
  const probe = healthcheckCommand(files.Dockerfile!)
  t.equal(probe[0], 'node')
  t.match(probe.join(' '), app.healthPath)
})

for (const mistake of dockerfileMistakes) {
  t.test(`caught: ${mistake.name}`, async (t) => {
    const problems = check(withMistake(files, mistake))
    t.ok(problems.some((p) => mistake.expect.test(p)), `expected ${mistake.expect}`, { problems })
  })
}
