// Live changes from the server: Server-Sent Events, one stream per page. The browser reconnects
// by itself with the id it saw last and the server replays what was missed. When the stream
// cannot be had (no EventSource, or the server refused it), the page long-polls
// /events/poll?wait=25: one request at a time, each held until something happens, with a
// growing pause after failures; never a tight interval. Every event is handled once (ids seen
// are remembered), whichever way it came. With an API token (token.js) the stream is read with
// fetch, which can send the Authorization header that EventSource cannot; it reconnects by itself
// with the last id it saw, as EventSource would.
import { authHeaders, hasToken, tokenRequired } from './token.js'

const EVENTS = '/api/v1/events'
const RETRY_SSE_AFTER_MS = 30_000

export function startLive ({ onEvent, onReset, onStatus }) {
  let lastSeq = null
  const seen = new Set()
  let source = null
  let mode = 'connecting'

  const setMode = (next) => { mode = next; onStatus(next) }
  const handle = (event) => {
    if (seen.has(event.seq)) return
    seen.add(event.seq)
    if (seen.size > 5000) seen.delete(seen.values().next().value)
    if (lastSeq === null || event.seq > lastSeq) lastSeq = event.seq
    onEvent(event)
  }

  function openStream () {
    if (hasToken()) return fetchStream()
    if (!('EventSource' in window)) return poll()
    setMode('connecting')
    source = new EventSource(lastSeq === null ? EVENTS : `${EVENTS}?last_event_id=${lastSeq}`)
    source.addEventListener('open', () => setMode('live'))
    source.addEventListener('ready', (m) => { if (lastSeq === null) lastSeq = JSON.parse(m.data).seq })
    source.addEventListener('reset', (m) => { lastSeq = JSON.parse(m.data).seq; onReset() })
    for (const kind of ['task', 'todo']) source.addEventListener(kind, (m) => handle(JSON.parse(m.data)))
    source.addEventListener('error', () => {
      if (source.readyState === EventSource.CLOSED) { // refused (not a network blip): poll instead
        source = null
        poll()
      } else {
        setMode('reconnecting') // the browser retries on its own, with Last-Event-ID
      }
    })
  }

  async function poll () {
    setMode('polling')
    const since = Date.now()
    let pause = 1000
    for (;;) {
      if (mode !== 'polling') return // the stream took over
      try {
        const res = await fetch(`${EVENTS}/poll?after=${lastSeq ?? 0}&wait=25`, { headers: authHeaders() })
        if (res.status === 401) tokenRequired()
        if (!res.ok) throw new Error(String(res.status))
        const body = await res.json()
        if (body.reset) { lastSeq = body.last_seq; onReset() }
        for (const event of body.events) handle(event)
        if (lastSeq === null || body.last_seq > lastSeq) lastSeq = body.last_seq
        pause = 1000
        if ('EventSource' in window && Date.now() - since > RETRY_SSE_AFTER_MS) return openStream()
      } catch {
        await new Promise((resolve) => setTimeout(resolve, pause))
        pause = Math.min(pause * 2, 30_000)
      }
    }
  }

  // The stream over fetch: the same events, parsed here (text/event-stream: blocks of `field: value`
  // lines ended by a blank line). After a drop it reconnects with ?last_event_id=, as EventSource
  // sends Last-Event-ID; a refusal (not a network blip) falls back to polling.
  async function fetchStream () {
    let pause = 1000
    setMode('connecting')
    for (;;) {
      try {
        const res = await fetch(lastSeq === null ? EVENTS : `${EVENTS}?last_event_id=${lastSeq}`, { headers: { ...authHeaders(), accept: 'text/event-stream' } })
        if (res.status === 401) tokenRequired()
        if (!res.ok || !res.body) return poll()
        setMode('live')
        pause = 1000
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader()
        let buffer = ''
        for (;;) {
          const { value, done } = await reader.read()
          if (done) break
          buffer += value.replace(/\r\n?/g, '\n')
          for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
            dispatch(buffer.slice(0, end))
            buffer = buffer.slice(end + 2)
          }
        }
      } catch {
        // the connection dropped: reconnect below
      }
      setMode('reconnecting')
      await new Promise((resolve) => setTimeout(resolve, pause))
      pause = Math.min(pause * 2, 30_000)
    }
  }

  function dispatch (block) {
    let event = 'message'
    const data = []
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) continue // a ping
      const colon = line.indexOf(':')
      const field = colon < 0 ? line : line.slice(0, colon)
      const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '')
      if (field === 'event') event = value
      else if (field === 'data') data.push(value)
    }
    if (data.length === 0) return
    const body = JSON.parse(data.join('\n'))
    if (event === 'ready') { if (lastSeq === null) lastSeq = body.seq } else if (event === 'reset') { lastSeq = body.seq; onReset() } else if (event === 'task' || event === 'todo') handle(body)
  }

  openStream()
  return { get lastSeq () { return lastSeq } }
}
