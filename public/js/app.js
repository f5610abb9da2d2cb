// The page: todos, calendar jobs and the job monitor, kept live by the server's event stream.
// The filters and the monitor's view live in the URL, so a link or a reload shows the same.
import { createJobs } from './jobs.js'
import { startLive } from './live.js'
import { createMonitor } from './monitor.js'
import { createTodos } from './todos.js'
import { describeFilters } from './format.js'
import { setUpTokenForm } from './token.js'

setUpTokenForm()

const params = () => new URLSearchParams(location.search)
const pick = (names) => Object.fromEntries(names.map((n) => [n, params().get(n) ?? undefined]).filter(([, v]) => v !== undefined && v !== ''))

function setParams (values) {
  const next = params()
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === '') next.delete(key)
    else next.set(key, value)
  }
  history.pushState(null, '', `${location.pathname}${next.size ? `?${next}` : ''}${location.hash}`)
  render()
}

const getFilters = () => pick(['completed', 'window'])
const jobFilterText = document.getElementById('job-filters')

const todos = createTodos({ getFilters, setFilters: (f) => setParams(f) })
const monitor = createMonitor({ getView: () => pick(['status', 'before']), setView: (v) => setParams({ status: v.status, before: v.before }) })
const jobs = createJobs({ getFilters, openTimeline: (id) => monitor.openTimeline(id) })

function render () {
  const f = getFilters()
  jobFilterText.textContent = describeFilters({
    completed: f.completed === undefined ? undefined : f.completed === 'true',
    window: f.window === undefined ? undefined : f.window
  })
  return Promise.all([todos.load(), monitor.load().catch(() => {})])
}
window.addEventListener('popstate', () => render())

let todoReload = null
const statusLine = document.getElementById('live-status')
const LABELS = { connecting: 'Connecting…', live: 'Live', reconnecting: 'Reconnecting…', polling: 'Live (polling)' }
startLive({
  onStatus: (mode) => { statusLine.dataset.state = mode; statusLine.textContent = LABELS[mode] },
  onReset: () => { render(); jobs.load() },
  onEvent: (event) => {
    if (event.kind === 'task') {
      jobs.onTaskEvent(event)
      monitor.onTaskEvent(event)
    } else if (!todoReload) {
      todoReload = setTimeout(() => { todoReload = null; todos.load() }, 100)
    }
  }
})

render()
jobs.load()
