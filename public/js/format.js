// Times: the API's todo deadlines are UTC without an offset; task times are ISO with Z. People
// see and type their local time.
export const el = (tag, props = {}, ...children) => {
  const node = document.createElement(tag)
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue
    if (key === 'class') node.className = value
    else if (key === 'text') node.textContent = value
    else if (key.startsWith('on')) node.addEventListener(key.slice(2), value)
    else node.setAttribute(key, value === true ? '' : value)
  }
  node.append(...children.filter((c) => c !== undefined && c !== null && c !== false))
  return node
}

export const utcToDate = (naive) => new Date(/[zZ]|[+-]\d\d:\d\d$/.test(naive) ? naive : `${naive}Z`)

export function when (iso) {
  if (!iso) return '—'
  return utcToDate(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' })
}

export function clock (iso) {
  if (!iso) return '—'
  return utcToDate(iso).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' })
}

/** The value of a datetime-local input for a UTC deadline, in local time. */
export function toLocalInput (naive) {
  if (!naive) return ''
  const d = utcToDate(naive)
  const pad = (n) => String(n).padStart(2, '0')
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`
}

/** A datetime-local value (local time) as the API takes it: with this browser's offset. */
export function fromLocalInput (value) {
  if (!value) return null
  const local = value.length === 16 ? `${value}:00` : value
  const offset = -new Date(local).getTimezoneOffset()
  if (Number.isNaN(offset)) return value // let the API say what is wrong with it
  const sign = offset >= 0 ? '+' : '-'
  const pad = (n) => String(Math.floor(Math.abs(n))).padStart(2, '0')
  return `${local}${sign}${pad(offset / 60)}:${pad(offset % 60)}`
}

export const shortId = (id) => id.slice(0, 8)

export function describeFilters (filters) {
  const parts = []
  if (filters.completed === true) parts.push('completed only')
  if (filters.completed === false) parts.push('open only')
  if (filters.window !== undefined) parts.push(`due within ${filters.window} days`)
  return parts.length ? parts.join(', ') : 'all todos'
}

export const duration = (ms) => ms === null || ms === undefined ? '—' : ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`

/**
 * Show `items` in `container`, in order, rebuilding only those whose content changed and moving
 * nothing that is already in place: a click or the keyboard focus on an unchanged row survives
 * a refresh.
 */
export function reconcile (container, items, { key, signature, build }) {
  const existing = new Map([...container.children].map((node) => [node.dataset.key, node]))
  let cursor = container.firstElementChild
  for (const item of items) {
    const k = String(key(item))
    const sig = signature(item)
    let node = existing.get(k)
    existing.delete(k)
    if (!node || node.dataset.sig !== sig) {
      const fresh = build(item)
      fresh.dataset.key = k
      fresh.dataset.sig = sig
      if (node) {
        node.replaceWith(fresh)
        if (cursor === node) cursor = fresh
      }
      node = fresh
    }
    if (node === cursor) cursor = cursor.nextElementSibling
    else container.insertBefore(node, cursor)
  }
  for (const node of existing.values()) node.remove()
}
