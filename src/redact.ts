// Passwords never reach a message or a log line. A connection URL carries its password in the
// user info (postgres://user:password@host/db) or as ?password=; both are replaced by *** wherever
// a URL might be printed: configuration errors, errors of pg and Node's URL parser (whose
// ERR_INVALID_URL carries the whole URL as `input`), and every log line (src/logger.ts).

export const REDACTED = '***'

// scheme://user:password@ : everything from the first ':' of the user info to the LAST '@'
// before the host, so a password holding an unencoded '@', '/' or '#' (a malformed URL) is
// hidden whole. The user info ends at whitespace or a quote (the end of the URL in a message).
const USER_INFO_PASSWORD = /([a-z][a-z0-9+.-]*:\/\/[^\s:@/"'`]*):[^\s"'`]*@/gi
// password=... as a URL query parameter or a libpq key=value setting.
const PASSWORD_SETTING = /(\bpassword=)[^\s&"'`]*/gi

/** The text with every password of a URL or connection string in it replaced by ***. */
export function redactSecrets (text: string): string {
  if (!text.includes('://') && !/password=/i.test(text)) return text // the common case, cheaply
  return text.replace(USER_INFO_PASSWORD, `$1:${REDACTED}@`).replace(PASSWORD_SETTING, `$1${REDACTED}`)
}

/** A whole URL (a setting's value) with its password hidden, whatever characters the password holds. */
export function redactUrl (url: string): string {
  const scheme = /^[a-z][a-z0-9+.-]*:\/\//i.exec(url)?.[0]
  if (!scheme) return redactSecrets(url)
  const rest = url.slice(scheme.length)
  const at = rest.lastIndexOf('@')
  const colon = rest.indexOf(':')
  const hidden = at > 0 && colon >= 0 && colon < at ? `${scheme}${rest.slice(0, colon)}:${REDACTED}${rest.slice(at)}` : url
  return hidden.replace(PASSWORD_SETTING, `$1${REDACTED}`)
}

/** A copy of a value (an error, a log object) with every string in it redacted, to a depth. */
export function redactDeep (value: unknown, depth = 4, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return redactSecrets(value)
  if (typeof value !== 'object' || value === null || depth === 0) return value
  if (seen.has(value)) return '[Circular]'
  seen.add(value)
  if (Array.isArray(value)) return value.map((item) => redactDeep(item, depth - 1, seen))
  const copy: Record<string, unknown> = {}
  for (const [key, item] of Object.entries(value)) copy[key] = /^(password|connectionString)$/i.test(key) && typeof item === 'string' ? REDACTED : redactDeep(item, depth - 1, seen)
  return copy
}
