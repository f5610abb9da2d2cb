// The API token, for a server that runs with API_TOKEN set. The page learns that it needs one from
// a 401, asks for it once in a small form, and keeps it in sessionStorage: it survives reloads and
// stays with this tab, and is gone when the tab closes (nothing left on a shared computer).
// Every request of the page sends it as `Authorization: Bearer`; the event stream too, which is
// why the page reads it with fetch rather than EventSource (which cannot send headers).
const KEY = 'taskoverflow.api-token'

export const hasToken = () => Boolean(sessionStorage.getItem(KEY))

/** The headers that carry the token, if the page has one. */
export function authHeaders () {
  const token = sessionStorage.getItem(KEY)
  return token ? { authorization: `Bearer ${token}` } : {}
}

/** The server answered 401: forget a token it refused, and ask for one. */
export function tokenRequired () {
  const hadToken = hasToken()
  sessionStorage.removeItem(KEY)
  const form = document.getElementById('token-form')
  if (!form || !form.hidden) return
  form.querySelector('[data-error-for=""]').textContent = hadToken ? 'The server refused this token. Check it and enter it again.' : ''
  form.hidden = false
  form.querySelector('input').focus()
}

export function setUpTokenForm () {
  const form = document.getElementById('token-form')
  form.addEventListener('submit', (event) => {
    event.preventDefault()
    const token = form.querySelector('input').value.trim()
    if (!token) return
    sessionStorage.setItem(KEY, token)
    location.reload() // start afresh with the token: lists, jobs and the event stream
  })
}
