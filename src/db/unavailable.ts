// Telling "the database cannot be reached" apart from every other failure, and saying why in
// words a newcomer can act on, naming where the URL came from and never its password.

// Connection refused, reset, timed out or unresolvable, lost mid-query, or Postgres shutting
// down or starting up (SQLSTATE class 08 and 57P01-57P03). node-postgres gives some of these no
// code, only a message.
const UNREACHABLE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE'])
const UNREACHABLE_MESSAGES = /timeout exceeded when trying to connect|Connection terminated|connection error and is not queryable/i

export function isDatabaseUnavailable (error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown, message?: unknown }
  if (typeof code === 'string' && (/^08[0-9A-Z]{3}$|^57P0[1-3]$/.test(code) || UNREACHABLE_CODES.has(code))) return true
  return typeof message === 'string' && UNREACHABLE_MESSAGES.test(message)
}

/** user@host:port/database of a connection URL: everything but the password. */
export function describeUrl (url: string): string {
  try {
    const u = new URL(url)
    return `${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}:${u.port || '5432'}${u.pathname}`
  } catch {
    return '(a URL that cannot be parsed)'
  }
}

/**
 * A connection failure as one sentence: where (never the password), from which setting, and the
 * likely cause. undefined when the error is not about connecting.
 */
export function explainConnectionError (error: unknown, url: string, source: string): string | undefined {
  const { code, message = '' } = (error ?? {}) as { code?: string, message?: string }
  const where = `the database at ${describeUrl(url)} (${source})`
  const cause = (() => {
    switch (code) {
      case 'ECONNREFUSED': return 'nothing is listening there: is PostgreSQL running, and on that port?'
      case 'ENOTFOUND': case 'EAI_AGAIN': return 'no such host name'
      case 'ETIMEDOUT': case 'EHOSTUNREACH': case 'ENETUNREACH': return 'the host does not answer (network, firewall or security group?)'
      case '3D000': return 'no such database on that server: create it, or fix the name in the URL'
      case '28P01': case '28000': return 'the server refused that role or password'
      case '57P03': return 'the server is starting up or shutting down; try again'
      default:
        if (/SSL|TLS|certificate/i.test(message)) return `TLS failed (${message}): see DATABASE_SSL and DATABASE_SSL_CA`
        if (/timeout exceeded when trying to connect/i.test(message)) return 'no answer in time: is the host reachable?'
        return undefined
    }
  })()
  return cause === undefined ? undefined : `Could not connect to ${where}: ${cause}`
}
