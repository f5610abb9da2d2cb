// docker-compose.yml validates against the Compose Specification's schema and fits the app,
// and every deliberate mistake in fixtures/mistakes.ts is caught by name.
/* eslint-disable no-template-curly-in-string -- ${VAR} here is compose's syntax, not JavaScript's */
import { readFile } from 'node:fs/promises'
import t from 'tap'
import { appFacts, readRepoFiles } from './checks/app.ts'
import { checkCompose, durationSeconds, interpolate } from './checks/compose.ts'
import { composeMistakes, withMistake } from './fixtures/mistakes.ts'

const app = await appFacts()
const schema = JSON.parse(await readFile(new URL('./fixtures/compose-spec.json', import.meta.url), 'utf8'))
const files = await readRepoFiles(['docker-compose.yml', '.env.example'])
const check = (f: Record<string, string>) => checkCompose(f['docker-compose.yml']!, schema, app)

t.test('docker-compose.yml has no problems', async (t) => {
  t.same(check(files), [])
})

t.test('interpolation and durations as compose reads them', async (t) => {
  t.equal(interpolate('${A:-x}/${B-y}/${C}/$D/$${E}'), 'x/y///${E}')
  t.equal(durationSeconds('1m30s'), 90)
  t.equal(durationSeconds('40s'), 40)
  t.ok(Number.isNaN(durationSeconds('40')))
})

t.test('.env.example overrides only what compose interpolates', async (t) => {
  const names = files['.env.example']!.split('\n').filter((l) => /^[A-Z_]+=/.test(l)).map((l) => l.split('=')[0]!)
  t.ok(names.length > 0)
  for (const name of names) t.match(files['docker-compose.yml']!, `\${${name}:-`, `${name} is used by docker-compose.yml`)
  t.match(files['.env.example']!, /LOCAL-ONLY/)
})

for (const mistake of composeMistakes) {
  t.test(`caught: ${mistake.name}`, async (t) => {
    const problems = check(withMistake(files, mistake))
    t.ok(problems.some((p) => mistake.expect.test(p)), `expected ${mistake.expect}`, { problems })
  })
}
