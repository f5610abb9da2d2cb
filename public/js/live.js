// Live changes from the server: Server-Sent Events, one stream per page. The browser reconnects
// by itself with the id it saw last and the server replays what was missed. When the stream
// cannot be had (no EventSource, or the server refused it), the page long-polls
// /events/poll?wait=25: one request at a time, each held until something happens, with a
// growing pause after failures; never a tight interval. Every event is handled once (ids seen
// are remembered), whichever way it came.
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
        const res = await fetch(`${EVENTS}/poll?after=${lastSeq ?? 0}&wait=25`)
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

  openStream()
  return { get lastSeq () { return lastSeq } }
}
