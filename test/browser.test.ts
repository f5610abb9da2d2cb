// The page at / in a real browser: Debian's Chromium driven by playwright-core, against the real
// app (real Postgres, real pg-boss, inline worker). The browser reaches the app through a TCP
// proxy the test can cut, to drop the event stream and watch the page catch up. Screenshots go to
// a temporary folder (SCREENSHOT_DIR to keep them); UPDATE_SCREENSHOT=1 also writes
// docs/screenshot.png for the README.
import { existsSync } from 'node:fs'
import { copyFile, mkdtemp, readFile, rm } from 'node:fs/promises'
import os from 'node:os'
import path from 'node:path'
import t from 'tap'
import { buildTestApp } from './helpers/app.ts'
import { startTcpProxy } from './helpers/tcp-proxy.ts'
import { createTask, waitForStatus } from './helpers/tasks.ts'

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'

if (!existsSync(CHROMIUM)) {
  t.test('the page in a real browser', { skip: `no Chromium at ${CHROMIUM}: install it (apt-get install -y chromium) or set CHROMIUM_PATH` }, () => {})
} else {
  await run()
}

async function run () {
  const { chromium } = await import('playwright-core')
  const { app } = await buildTestApp(t, { ICAL_DELAY_MS: '1500' })
  await app.listen({ port: 0, host: '127.0.0.1' })
  const proxy = await startTcpProxy('127.0.0.1', (app.server.address() as { port: number }).port)
  t.teardown(() => proxy.close())
  const base = `http://127.0.0.1:${proxy.port}`

  const shots = process.env.SCREENSHOT_DIR ?? await mkdtemp(path.join(os.tmpdir(), 'taskoverflow-shots-'))
  const profile = await mkdtemp(path.join(os.tmpdir(), 'taskoverflow-chromium-'))
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    viewport: { width: 1280, height: 900 },
    acceptDownloads: true
  })
  t.teardown(async () => {
    await context.close()
    await rm(profile, { recursive: true, force: true })
    if (!process.env.SCREENSHOT_DIR) await rm(shots, { recursive: true, force: true })
  })
  // Every Content-Security-Policy violation of any page, as the page's own event sees it and as the
  // console reports it.
  await context.addInitScript(`document.addEventListener('securitypolicyviolation', (e) => {
    (window.cspViolations ??= []).push(e.violatedDirective + ' ' + e.blockedURI)
  })`)
  const cspProblems: string[] = []
  context.on('console', (message) => { if (/Content Security Policy/i.test(message.text())) cspProblems.push(message.text()) })
  const page = context.pages()[0] ?? await context.newPage()
  const problems: string[] = []
  page.on('pageerror', (error) => problems.push(error.message))
  let loads = 0
  page.on('load', () => { loads++ })
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true })

  const transferred: number[] = []
  page.on('response', (res) => { res.body().then((b) => transferred.push(b.length), () => {}) })
  await page.goto(base)
  await page.locator('#live-status', { hasText: /^Live$/ }).waitFor()

  const newTodo = page.getByRole('form', { name: 'New todo' })
  const todoItem = (title: string) => page.locator('#todo-list li', { hasText: title })
  const jobCard = (id: string) => page.locator(`#job-list li[data-task-id="${id}"]`)
  const badgeOf = (id: string) => jobCard(id).locator('[data-role="status"]')

  await t.test('first load is small and has no errors', async (t) => {
    await page.waitForLoadState('networkidle').catch(() => {}) // the event stream keeps the network busy; best effort
    const bytes = transferred.reduce((a, b) => a + b, 0)
    t.ok(bytes < 100_000, `first load ${bytes} bytes < 100 KB`)
    t.same(problems, [])
  })

  await t.test('an API error is shown next to the field that caused it', async (t) => {
    await newTodo.getByRole('button', { name: 'Add todo' }).click()
    await page.locator('#new-title-error', { hasText: 'field title must not be empty' }).waitFor()
    t.equal(await newTodo.getByLabel('Title').getAttribute('aria-invalid'), 'true')
  })

  await t.test('create two todos by their labels (the second with the keyboard)', async (t) => {
    await newTodo.getByLabel('Title').fill('Watch lecture')
    await newTodo.getByLabel('Description').fill('Week 7, queues')
    await newTodo.getByLabel('Deadline').fill('2030-03-01T09:30')
    await newTodo.getByRole('button', { name: 'Add todo' }).click()
    await todoItem('Watch lecture').waitFor()
    t.equal(await page.locator('#new-title-error').textContent(), '', 'the error is gone')

    await newTodo.getByLabel('Title').fill('Submit practical')
    await newTodo.getByLabel('Deadline').fill('2030-03-02T17:00')
    await newTodo.getByLabel('Title').press('Enter')
    await todoItem('Submit practical').waitFor()
    t.equal(await page.locator('#todo-list li').count(), 2)
  })

  await t.test('complete one, filter, delete one', async (t) => {
    await page.getByRole('checkbox', { name: 'Submit practical' }).check()
    await page.locator('#todo-list li.done', { hasText: 'Submit practical' }).waitFor()

    await page.getByLabel('Show').selectOption({ label: 'Open only' })
    await page.waitForURL(/completed=false/)
    await todoItem('Submit practical').waitFor({ state: 'detached' })
    t.equal(await page.locator('#todo-list li').count(), 1)
    await page.getByLabel('Due within (days)').fill('-1')
    await page.getByRole('button', { name: 'Apply filters' }).click()
    await page.locator('#filter-window-error', { hasText: 'window must be a whole number of days' }).waitFor()
    await page.getByLabel('Due within (days)').fill('')
    await page.getByLabel('Show').selectOption({ label: 'All todos' })
    await todoItem('Submit practical').waitFor()

    await page.getByRole('button', { name: 'Delete Submit practical' }).click()
    await todoItem('Submit practical').waitFor({ state: 'detached' })
    t.equal(await page.locator('#todo-list li').count(), 1)
  })

  let doneId = ''
  await t.test('generate a calendar: PENDING/STARTED then SUCCESS without a reload, then download it', async (t) => {
    // Record every state the card shows, as it shows it.
    // (A string: this runs in the page, and the tests are type-checked without the DOM's types.)
    await page.evaluate(`
      window.seenStates = []
      new MutationObserver(() => {
        for (const badge of document.querySelectorAll('#job-list [data-role="status"]')) {
          const entry = badge.closest('li').getAttribute('data-task-id') + ':' + badge.textContent
          if (!window.seenStates.includes(entry)) window.seenStates.push(entry)
        }
      }).observe(document.getElementById('job-list'), { childList: true, subtree: true, characterData: true })`)
    const loadsBefore = loads
    await page.getByRole('button', { name: 'Generate calendar' }).click()
    const card = page.locator('#job-list li').first()
    await card.waitFor()
    doneId = (await card.getAttribute('data-task-id'))!
    await badgeOf(doneId).filter({ hasText: /PENDING|STARTED/ }).waitFor()
    await shot('1-job-running')
    await badgeOf(doneId).filter({ hasText: 'SUCCESS' }).waitFor({ timeout: 20_000 })
    const seen: string[] = (await page.evaluate<string[]>('window.seenStates')).filter((s: string) => s.startsWith(doneId)).map((s: string) => s.split(':')[1]!)
    t.ok(seen.indexOf('STARTED') >= 0 || seen.indexOf('PENDING') >= 0, `an unfinished state was shown first: ${seen.join(' -> ')}`)
    t.equal(seen.at(-1), 'SUCCESS')
    t.equal(loads, loadsBefore, 'no reload')

    const [download] = await Promise.all([page.waitForEvent('download'), jobCard(doneId).getByRole('link', { name: /Download \.ics/ }).click()])
    const ics = await readFile((await download.path())!, 'utf8')
    t.match(ics, /^BEGIN:VCALENDAR/)
    t.match(ics, /SUMMARY:Watch lecture/)
    t.notMatch(ics, /Submit practical/, 'the deleted todo is not in it')
  })

  await t.test('several jobs at once; cancel one -> REVOKED; open its timeline', async (t) => {
    await page.getByRole('button', { name: 'Generate calendar' }).click()
    await page.getByRole('button', { name: 'Generate calendar' }).click()
    await page.locator('#job-list li').nth(2).waitFor()
    const ids = await page.locator('#job-list li').evaluateAll((lis) => lis.map((li) => li.getAttribute('data-task-id')!))
    const [cancelled, kept] = [ids[0]!, ids[1]!] // newest first
    await jobCard(cancelled).getByRole('button', { name: /^Cancel/ }).click()
    await badgeOf(cancelled).filter({ hasText: 'REVOKED' }).waitFor()
    await badgeOf(kept).filter({ hasText: 'SUCCESS' }).waitFor({ timeout: 20_000 })

    await jobCard(cancelled).getByRole('button', { name: /^Timeline/ }).click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    await dialog.locator('li', { hasText: 'REVOKED' }).waitFor()
    const steps = await dialog.locator('li .badge').allTextContents()
    t.equal(steps[0], 'PENDING')
    t.equal(steps.at(-1), 'REVOKED')
    await shot('2-timeline')
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'hidden' })

    // The monitor lists them, and its state filter is kept in the URL.
    await page.locator('#counts [data-state="REVOKED"]', { hasText: '1' }).waitFor()
    await page.getByLabel('State', { exact: true }).selectOption('REVOKED')
    await page.waitForURL(/status=REVOKED/)
    // The row was listed before the filter too: wait for the filtered page to replace the list.
    // (A locator, not waitForFunction: Playwright evaluates a string predicate with eval, which the CSP forbids.)
    await page.locator('#task-table tbody tr').nth(1).waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {})
    await page.locator(`#task-table tr[data-task-id="${cancelled}"]`).waitFor()
    t.equal(await page.locator('#task-table tbody tr').count(), 1, 'only the REVOKED task is listed')
    await page.reload()
    await page.locator(`#task-table tr[data-task-id="${cancelled}"]`).waitFor()
    t.equal(await page.getByLabel('State', { exact: true }).inputValue(), 'REVOKED', 'the filter survives a reload')
    await page.getByLabel('State', { exact: true }).selectOption('')
  })

  await t.test('the event stream drops; the page catches up when it reconnects', async (t) => {
    await page.locator('#live-status', { hasText: /^Live$/ }).waitFor()
    await page.evaluate(`
      window.liveStates = []
      new MutationObserver(() => window.liveStates.push(document.getElementById('live-status').textContent))
        .observe(document.getElementById('live-status'), { childList: true, characterData: true, subtree: true })`)
    await proxy.cut()
    await page.locator('#live-status', { hasText: 'Reconnecting' }).waitFor()
    // Changes made while the page cannot hear them.
    await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'Added while offline' } })
    const { task_id: id } = await createTask(app)
    await waitForStatus(app, id, 'SUCCESS')
    await proxy.restore()
    await page.locator('#live-status', { hasText: /^Live$/ }).waitFor({ timeout: 20_000 })
    await todoItem('Added while offline').waitFor()
    t.comment(`live status: ${(await page.evaluate<string[]>('window.liveStates')).join(' -> ')}`)
    await page.locator(`#task-table tr[data-task-id="${id}"]`, { hasText: 'SUCCESS' }).waitFor()
    t.equal(loads, 2, 'caught up without a reload (the one reload was the URL test)')
    await shot('3-caught-up')
  })

  await t.test('a live update does not wipe what is being typed into the filters', async (t) => {
    await page.getByLabel('Due within (days)').fill('12')
    await app.inject({ method: 'POST', url: '/api/v1/todos', payload: { title: 'Added while typing' } })
    await todoItem('Added while typing').waitFor() // the list was reloaded by the live update
    t.equal(await page.getByLabel('Due within (days)').inputValue(), '12', 'what was typed is still there')
    await page.getByLabel('Due within (days)').fill('')
  })

  await t.test('Swagger UI at /docs renders under the security headers, with no CSP violation', async (t) => {
    const docs = await context.newPage()
    const response = await docs.goto(`${base}/docs`)
    t.match(response?.headers()['content-security-policy'], /script-src 'self'/, 'the page carries the CSP')
    await docs.locator('.swagger-ui .info .title', { hasText: 'TaskOverflow API' }).waitFor()
    await docs.locator('.opblock-tag', { hasText: 'todos' }).first().waitFor()
    await docs.locator('.opblock-summary-path', { hasText: '/api/v1/todos' }).first().click()
    await docs.getByRole('button', { name: 'Try it out' }).first().click()
    await docs.getByRole('button', { name: 'Execute' }).first().click()
    await docs.locator('.responses-wrapper .live-responses-table .response-col_status', { hasText: '200' }).first().waitFor()
    t.same(await docs.evaluate<string[]>('window.cspViolations ?? []'), [], 'no securitypolicyviolation event')
    t.same(cspProblems, [], 'no CSP message on the console')
    await docs.close()
  })

  await t.test('with API_TOKEN: the page asks for the token once, then everything works, live stream and download included', async (t) => {
    const token = 'browser-test-token-0123456789abcdef'
    const { app: guarded } = await buildTestApp(t, { API_TOKEN: token, ICAL_DELAY_MS: '500' })
    await guarded.listen({ port: 0, host: '127.0.0.1' })
    const guardedProxy = await startTcpProxy('127.0.0.1', (guarded.server.address() as { port: number }).port)
    t.teardown(() => guardedProxy.close())
    const guardedBase = `http://127.0.0.1:${guardedProxy.port}`
    const tab = await context.newPage()
    tab.on('pageerror', (error) => problems.push(error.message))
    await tab.goto(guardedBase)
    const form = tab.getByRole('form', { name: 'API token' })
    await form.waitFor()
    await form.getByLabel('Token').fill('not-the-token')
    await form.getByRole('button', { name: 'Use token' }).click()
    await form.locator('[role="alert"]', { hasText: 'The server refused this token' }).waitFor()
    await form.getByLabel('Token').fill(token)
    await form.getByRole('button', { name: 'Use token' }).click()
    await tab.locator('#live-status', { hasText: /^Live$/ }).waitFor()
    t.ok(await form.isHidden(), 'the form is gone once the token is accepted')

    // A change made elsewhere arrives over the event stream, which needs the token too.
    await guarded.inject({ method: 'POST', url: '/api/v1/todos', headers: { authorization: `Bearer ${token}` }, payload: { title: 'Made elsewhere', deadline_at: '2030-01-01T10:00:00' } })
    await tab.locator('#todo-list li', { hasText: 'Made elsewhere' }).waitFor()
    // The stream read with fetch drops and comes back, and catches up on what it missed.
    await guardedProxy.cut()
    await tab.locator('#live-status', { hasText: 'Reconnecting' }).waitFor()
    await guarded.inject({ method: 'POST', url: '/api/v1/todos', headers: { authorization: `Bearer ${token}` }, payload: { title: 'Made while cut off' } })
    await guardedProxy.restore()
    await tab.locator('#live-status', { hasText: /^Live$/ }).waitFor({ timeout: 40_000 })
    await tab.locator('#todo-list li', { hasText: 'Made while cut off' }).waitFor()

    await tab.getByRole('form', { name: 'New todo' }).getByLabel('Title').fill('Made here')
    await tab.getByRole('form', { name: 'New todo' }).getByRole('button', { name: 'Add todo' }).click()
    await tab.locator('#todo-list li', { hasText: 'Made here' }).waitFor()

    await tab.getByRole('button', { name: 'Generate calendar' }).click()
    const card = tab.locator('#job-list li').first()
    await card.waitFor()
    const id = (await card.getAttribute('data-task-id'))!
    await tab.locator(`#job-list li[data-task-id="${id}"] [data-role="status"]`, { hasText: 'SUCCESS' }).waitFor({ timeout: 20_000 })
    const [download] = await Promise.all([tab.waitForEvent('download'), card.getByRole('link', { name: /Download \.ics/ }).click()])
    t.match(await readFile((await download.path())!, 'utf8'), /SUMMARY:Made elsewhere/)
    t.same(await tab.evaluate<string[]>('window.cspViolations ?? []'), [])
    await tab.close()
  })

  await t.test('phone width: nothing wider than the screen', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 })
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
    t.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`)
    await shot('4-phone')
    await page.setViewportSize({ width: 1280, height: 900 })
    t.same(problems, [], 'no script errors')
    t.same(cspProblems, [], 'no CSP violation on any page')
    t.same(await page.evaluate<string[]>('window.cspViolations ?? []'), [], 'no securitypolicyviolation event on the page')
    t.comment(`live status: ${(await page.evaluate<string[]>('window.liveStates')).join(' -> ')}`)
    if (process.env.UPDATE_SCREENSHOT) {
      await page.evaluate('window.scrollTo(0, 0)')
      await page.screenshot({ path: path.join(shots, 'readme.png') })
      await copyFile(path.join(shots, 'readme.png'), new URL('../docs/screenshot.png', import.meta.url))
    }
    t.comment(`screenshots in ${shots}`)
  })
}
