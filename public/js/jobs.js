// Calendar jobs this page follows: queued with "Generate calendar", their state kept live by
// `task` events, with download, cancel, retry and timeline. The ids are kept for the session,
// so a reload keeps following them.
import { API, api, ApiError } from './api.js'
import { authHeaders, hasToken } from './token.js'
import { clock, describeFilters, el, reconcile, shortId } from './format.js'

const STORE = 'taskoverflow.jobs'
const FINISHED = new Set(['SUCCESS', 'FAILURE', 'REVOKED'])

export function createJobs ({ getFilters, openTimeline }) {
  const list = document.getElementById('job-list')
  const generate = document.getElementById('generate')
  const generateError = document.getElementById('generate-error')
  const jobs = new Map() // task id -> latest TaskStatus body (+ seq of the newest event applied)

  const remember = () => sessionStorage.setItem(STORE, JSON.stringify([...jobs.keys()].slice(-20)))

  async function refresh (id) {
    const seqBefore = jobs.get(id)?.seq
    try {
      const status = await api('GET', `/todos/ical/${id}/status`)
      // An event applied while this read was under way is newer than what it returned: read again.
      if (jobs.get(id)?.seq !== seqBefore) return refresh(id)
      jobs.set(id, { ...jobs.get(id), ...status })
    } catch (error) {
      if (error.status === 404) jobs.delete(id) // retention ended
    }
    render()
  }

  function render () {
    reconcile(list, [...jobs.values()].reverse(), {
      key: (job) => job.task_id,
      signature: (job) => JSON.stringify([job.task_status, job.error, job.result, job.filters, job.created_at]),
      build: card
    })
  }

  function card (job) {
    const id = job.task_id
    const status = job.task_status ?? 'PENDING'
    const canCancel = !FINISHED.has(status)
    const canRetry = status === 'FAILURE' || status === 'REVOKED'
    return el('li', { class: 'job', 'data-task-id': id },
      el('div', {},
        el('strong', { text: `Calendar ${shortId(id)}` }), ' ',
        el('span', { class: `badge ${status}`, 'data-role': 'status', text: status }), ' ',
        el('span', { class: 'hint', text: `${describeFilters(job.filters ?? {})} · queued ${clock(job.created_at)}` })
      ),
      job.error && (status === 'RETRY' || status === 'FAILURE') ? el('p', { class: 'error', text: `${status === 'RETRY' ? 'Attempt failed, will retry' : 'Failed'}: ${job.error}` }) : null,
      status === 'REVOKED' ? el('p', { class: 'hint', text: 'Cancelled.' }) : null,
      status === 'SUCCESS' && job.result ? el('p', { class: 'hint', text: `${job.result.events} event${job.result.events === 1 ? '' : 's'}, ${job.result.bytes} bytes` }) : null,
      el('div', { class: 'actions' },
        status === 'SUCCESS' ? el('a', { href: `${API}/todos/ical/${id}/result`, download: `taskoverflow-${id}.ics`, text: `Download .ics (${shortId(id)})`, onclick: (event) => downloadWithToken(event, id) }) : null,
        canCancel ? el('button', { type: 'button', class: 'danger', text: 'Cancel', 'aria-label': `Cancel calendar ${shortId(id)}`, onclick: () => act('DELETE', `/todos/ical/${id}`, id) }) : null,
        canRetry ? el('button', { type: 'button', text: 'Retry', 'aria-label': `Retry calendar ${shortId(id)}`, onclick: () => act('POST', `/todos/ical/${id}/retry`, id) }) : null,
        el('button', { type: 'button', class: 'secondary', text: 'Timeline', 'aria-label': `Timeline of calendar ${shortId(id)}`, onclick: () => openTimeline(id) }),
        el('button', { type: 'button', class: 'secondary', text: 'Stop following', 'aria-label': `Stop following calendar ${shortId(id)}`, onclick: () => { jobs.delete(id); remember(); render() } })
      )
    )
  }

  // A link cannot send the token: with one, the file is fetched with it and saved from memory.
  async function downloadWithToken (event, id) {
    if (!hasToken()) return // the link works as it is
    event.preventDefault()
    try {
      const res = await fetch(`${API}/todos/ical/${id}/result`, { headers: authHeaders() })
      if (!res.ok) throw new ApiError(res.status, (await res.json().catch(() => ({}))).error ?? `The server answered ${res.status}`)
      const url = URL.createObjectURL(await res.blob())
      el('a', { href: url, download: `taskoverflow-${id}.ics` }).click()
      setTimeout(() => URL.revokeObjectURL(url), 60_000)
    } catch (error) {
      generateError.textContent = `Calendar ${shortId(id)}: ${error.message}`
    }
  }

  async function act (method, path, id) {
    try {
      const status = await api(method, path)
      jobs.set(id, { ...jobs.get(id), ...status })
    } catch (error) {
      generateError.textContent = `Calendar ${shortId(id)}: ${error.message}`
      await refresh(id)
    }
    render()
  }

  generate.addEventListener('click', async () => {
    generateError.textContent = ''
    const filters = getFilters()
    const query = new URLSearchParams(Object.entries(filters).filter(([, v]) => v !== undefined && v !== ''))
    try {
      const { task_id: id } = await api('POST', `/todos/ical${query.size ? `?${query}` : ''}`)
      if (!jobs.has(id)) jobs.set(id, { task_id: id, task_status: 'PENDING', filters: {} })
      remember()
      render()
      await refresh(id)
    } catch (error) {
      generateError.textContent = error.message
    }
  })

  /** A `task` event: apply it to a followed job at once, then fetch the details of a final state. */
  function onTaskEvent (event) {
    const job = jobs.get(event.task_id)
    if (!job || (job.seq ?? 0) > event.seq) return
    jobs.set(event.task_id, { ...job, task_status: event.task_status, seq: event.seq, error: event.error ?? job.error })
    render()
    if (FINISHED.has(event.task_status) || event.task_status === 'RETRY') refresh(event.task_id)
  }

  function load () {
    let ids = []
    try { ids = JSON.parse(sessionStorage.getItem(STORE) ?? '[]') } catch {}
    for (const id of ids) if (!jobs.has(id)) jobs.set(id, { task_id: id })
    return Promise.all([...jobs.keys()].map(refresh))
  }

  return { load, onTaskEvent }
}
