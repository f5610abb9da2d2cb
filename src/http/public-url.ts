// The absolute URLs the API hands out (task_url, result_url, Location, feed URLs). They were
// built from the Host (or X-Forwarded-Host) header, so `Host: evil.example` made the service
// hand out http://evil.example/... links (host header injection: a poisoned cache or a link in
// a mail then sends people elsewhere). The course's clients follow task_url, so the URLs stay
// absolute, but their base is never an unchecked header:
//   1. PUBLIC_URL when set (production: Terraform and compose set it);
//   2. else the request's scheme and host, only when that host is in ALLOWED_HOSTS
//      (default: localhost, 127.0.0.1 and [::1], on any port);
//   3. else the address the server listens on.
import type { AddressInfo } from 'node:net'
import type { FastifyInstance, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import type { Config } from '../config.ts'

declare module 'fastify' {
  interface FastifyInstance {
    /** `path` (from the root, e.g. /api/v1/...) on the service's public base URL. */
    absoluteUrl (request: FastifyRequest, path: string): string
  }
}

export type PublicUrlSettings = Pick<Config['http'], 'publicUrl' | 'allowedHosts' | 'host' | 'port'>

/** Whether a Host header value (host[:port]) may be the base of the URLs handed out, and its normal form. */
export function checkedHost (header: string | undefined, allowedHosts: readonly string[]): string | undefined {
  if (!header) return undefined
  let url: URL
  try {
    url = new URL(`http://${header}`)
  } catch {
    return undefined
  }
  // Nothing but host[:port]: no user info, path, query or fragment smuggled in.
  if (url.host !== header.toLowerCase() && `${url.host}:80` !== header.toLowerCase()) return undefined
  const hostWithPort = `${url.hostname}:${url.port || '80'}`
  const allowed = allowedHosts.some((entry) => entry === '*' || entry === url.hostname || entry === hostWithPort)
  return allowed ? header.toLowerCase() : undefined
}

const WILDCARD = new Set(['0.0.0.0', '::', ''])

function listeningBase (app: FastifyInstance, settings: PublicUrlSettings): string {
  const address = app.server.address() as AddressInfo | string | null
  const host = typeof address === 'object' && address !== null ? address.address : settings.host
  const port = typeof address === 'object' && address !== null ? address.port : settings.port
  const name = WILDCARD.has(host) ? 'localhost' : host.includes(':') ? `[${host}]` : host
  return `http://${name}:${port}`
}

export const publicUrls = fp<PublicUrlSettings>(async (app, settings) => {
  app.decorate('absoluteUrl', (request: FastifyRequest, path: string) => {
    if (settings.publicUrl) return `${settings.publicUrl}${path}`
    const host = checkedHost(request.host, settings.allowedHosts)
    if (!host) return `${listeningBase(app, settings)}${path}`
    const scheme = request.protocol === 'https' ? 'https' : 'http'
    return `${scheme}://${host}${path}`
  })
}, { name: 'public-urls' })
