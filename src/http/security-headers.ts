// Security headers on every response (@fastify/helmet). The Content-Security-Policy allows what the
// two pages really load, and nothing else: the web page at / (its own CSS and ES modules, fetch
// and the event stream to its own origin, a data: favicon) and Swagger UI at /docs (its own
// scripts and CSS from /docs/static, data: images, and the <style> elements it adds). test/browser.test.ts loads both in Chromium and fails on any CSP violation.
import helmet from '@fastify/helmet'
import fp from 'fastify-plugin'

export const CONTENT_SECURITY_POLICY = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  // Swagger UI adds <style> elements as it runs (without it the browser test sees style-src-elem
  // violations on /docs); styles cannot run code, and scripts stay 'self' only.
  'style-src': ["'self'", "'unsafe-inline'"],
  // helmet's default upgrade-insecure-requests is left out: the service is also reached over
  // plain HTTP (npm start, compose on localhost, the load balancer without a certificate), where
  // it would send the page's own requests to an https:// that does not answer.
  'upgrade-insecure-requests': null
}

export const securityHeaders = fp(async (app) => {
  await app.register(helmet, {
    global: true,
    contentSecurityPolicy: { useDefaults: false, directives: CONTENT_SECURITY_POLICY },
    frameguard: { action: 'deny' } // as frame-ancestors 'none', for browsers without CSP
  })
}, { name: 'security-headers' })
