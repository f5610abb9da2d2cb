// The job monitor: counts per state, recent tasks with the state filter and the page in the URL
// (?status=&before=), and each task's timeline. Refreshed by `task` events, at most a few times
// a second however many arrive.
import { api } from './api.js'
import { clock, describeFilters, duration, el, reconcile, shortId, when } from './format.js'

const STATES = ['PENDING', 'STARTED', 'RETRY', 'FAILURE', 'SUCCESS', 'REVOKED']

export function createMonitor ({ getView, setView }) {
  const counts = document.getElementById('counts')
  const body = document.querySelector('#task-table tbody')
  const status = document.getElementById('monitor-status')
  const older = document.getElementById('page-older')
  const newest = document.getElementById('page-newest')
  const dialog = document.getElementById('timeline')
  const timelineList = document.getElementById('timeline-events')
  const timelineHeading = document.getElementById('timeline-heading')
  let next = null
  let openTask = null
  let timer = null

  let latest = 0 // answers to older loads that arrive late are dropped
  async function load () {
    const mine = ++latest
    const view = getView()
    status.value = view.status ?? ''
    const query = new URLSearchParams({ limit: '10' })
    if (view.status) query.set('status', view.status)
    if (view.before) query.set('before', view.before)
    const [page, perState] = await Promise.all([api('GET', `/todos/ical?${query}`), api('GET', '/todos/ical/counts')])
    if (mine !== latest) return
    next = page.next
    older.disabled = next === null
    newest.disabled = !view.before
    reconcile(counts, STATES, {
      key: (state) => state,
      signature: (state) => `${perState[state]}:${view.status === state}`,
      build: (state) => el('li', {},
        el('button', {
          type: 'button',
          'aria-pressed': String(view.status === state),
          onclick: () => { const now = getView().status; setView({ status: now === state ? undefined : state, before: undefined }) }
        }, el('strong', { 'data-state': state, text: String(perState[state]) }), state))
    })
    if (page.tasks.length === 0) body.replaceChildren(el('tr', {}, el('td', { colspan: 9, text: 'No tasks.' })))
    else {
      if (!body.querySelector('[data-task-id]')) body.replaceChildren()
      reconcile(body, page.tasks, { key: (task) => task.task_id, signature: (task) => JSON.stringify(task), build: row })
    }
  }

  const row = (task) => el('tr', { 'data-task-id': task.task_id },
    el('td', {}, el('code', { title: task.task_id, text: shortId(task.task_id) })),
    el('td', {}, el('span', { class: `badge ${task.task_status}`, text: task.task_status })),
    el('td', { text: describeFilters(task.filters) }),
    el('td', { text: when(task.created_at) }),
    el('td', { text: clock(task.started_at) }),
    el('td', { text: clock(task.finished_at) }),
    el('td', { text: duration(task.duration_ms) }),
    el('td', { text: String(task.attempts) }),
    el('td', {}, el('button', { type: 'button', class: 'secondary', text: 'Timeline', 'aria-label': `Timeline of task ${shortId(task.task_id)}`, onclick: () => openTimeline(task.task_id) })))

  async function openTimeline (id) {
    openTask = id
    timelineHeading.textContent = `Timeline of task ${shortId(id)}`
    await renderTimeline(id)
    if (!dialog.open) dialog.showModal()
  }

  async function renderTimeline (id) {
    try {
      const { events } = await api('GET', `/todos/ical/${id}/timeline`)
      timelineList.replaceChildren(...events.map((e) => el('li', {},
        el('span', { class: `badge ${e.task_status}`, text: e.task_status }), ' ',
        `attempt ${e.attempt} · ${clock(e.at)}`,
        e.worker ? el('div', { class: 'hint', text: `worker ${e.worker}` }) : null,
        e.changed_by && e.changed_by !== e.worker ? el('div', { class: 'hint', text: `changed by ${e.changed_by}` }) : null,
        e.error ? el('div', { class: 'error', text: e.error }) : null)))
    } catch (error) {
      timelineList.replaceChildren(el('li', { class: 'error', text: error.message }))
    }
  }
  dialog.addEventListener('close', () => { openTask = null })

  status.addEventListener('change', () => setView({ status: status.value || undefined, before: undefined }))
  older.addEventListener('click', () => { if (next) setView({ ...getView(), before: next }) })
  newest.addEventListener('click', () => setView({ ...getView(), before: undefined }))

  /** Any task event: refresh soon (coalescing bursts); the open timeline too if it is its task. */
  function onTaskEvent (event) {
    if (openTask === event.task_id) renderTimeline(openTask)
    if (timer) return
    timer = setTimeout(() => { timer = null; load().catch(() => {}) }, 250)
  }

  return { load, onTaskEvent, openTimeline }
}
