// The API as the page uses it: JSON in, JSON out, and errors as { status, error, field }.
// `field` names the input the API blamed ("field title must not be empty" -> title), so the
// page can show the message next to it.
import { authHeaders, tokenRequired } from './token.js'

export const API = '/api/v1'

export class ApiError extends Error {
  constructor (status, message) {
    super(message)
    this.status = status
    const m = /^(?:field|query parameter) ([a-z_]+)|unknown (?:field|query parameter) '([a-z_]+)'/.exec(message)
    this.field = m ? (m[1] ?? m[2]) : ''
  }
}

export async function api (method, path, body) {
  let res
  try {
    res = await fetch(API + path, {
      method,
      headers: { ...authHeaders(), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body)
    })
  } catch {
    throw new ApiError(0, 'The server cannot be reached. Check your connection and try again.')
  }
  const text = await res.text()
  let json
  try { json = text ? JSON.parse(text) : undefined } catch { json = undefined }
  if (res.status === 401) tokenRequired()
  if (!res.ok) throw new ApiError(res.status, json?.error ?? `The server answered ${res.status}`)
  return json
}

/** Show an API error next to the input it is about (or at the form's general error line). */
export function showErrors (form, error) {
  clearErrors(form)
  const field = error instanceof ApiError ? error.field : ''
  const slot = form.querySelector(`[data-error-for="${field}"]`) ?? form.querySelector('[data-error-for=""]')
  if (slot) slot.textContent = error.message
  const input = field ? form.querySelector(`[name="${field}"]`) : null
  if (input) {
    input.setAttribute('aria-invalid', 'true')
    input.focus()
  }
}

export function clearErrors (form) {
  for (const slot of form.querySelectorAll('[data-error-for]')) slot.textContent = ''
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid')
}
