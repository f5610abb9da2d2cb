// terraform/ parses, refers only to what it declares and keeps the policy rules (no terraform
// binary needed), and every deliberate mistake in fixtures/mistakes.ts is caught by name.
import { readdir } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { appFacts, readRepoFiles, root } from './checks/app.ts'
import { REQUIRED_FILES, checkTerraform } from './checks/terraform.ts'
import { terraformMistakes, withMistake } from './fixtures/mistakes.ts'

const app = await appFacts()
const names = (await readdir(path.join(root, 'terraform'))).filter((f) => f.endsWith('.tf') || f === 'terraform.tfvars.example')
const files = await readRepoFiles(names.map((f) => `terraform/${f}`))

t.test('terraform/ has no problems', async (t) => {
  t.same(await checkTerraform(files, app), [])
})

t.test('one file per concern', async (t) => {
  for (const file of REQUIRED_FILES) t.ok(file in files, file)
})

t.test('a missing file is a problem', async (t) => {
  const { 'terraform/logs.tf': _logs, ...rest } = files
  const problems = await checkTerraform(rest, app)
  t.ok(problems.includes('terraform/logs.tf: missing'), 'named', { problems })
  t.ok(problems.some((p) => /refers to aws_cloudwatch_log_group\.app, which is not declared/.test(p)), 'and what refers to it', { problems })
})

for (const mistake of terraformMistakes) {
  t.test(`caught: ${mistake.name}`, async (t) => {
    const problems = await checkTerraform(withMistake(files, mistake), app)
    t.ok(problems.some((p) => mistake.expect.test(p)), `expected ${mistake.expect}`, { problems })
  })
}
