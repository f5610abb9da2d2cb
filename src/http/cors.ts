// Cross-origin requests from browsers (@fastify/cors): off unless CORS_ORIGINS names the origins
// allowed. Off, no response carries Access-Control-* headers, so a page on another origin cannot
// read the API's answers (the web page at / is same-origin and needs none).
import cors from '@fastify/cors'
import fp from 'fastify-plugin'

export interface CorsOptions {
  /** exact origins (scheme://host[:port]); empty: CORS off */
  origins: string[]
}

export const corsPolicy = fp<CorsOptions>(async (app, { origins }) => {
  if (origins.length === 0) return
  await app.register(cors, {
    origin: origins,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
    allowedHeaders: ['Authorization', 'Content-Type', 'Last-Event-ID', 'If-None-Match', 'If-Modified-Since', 'X-Request-Id'],
    exposedHeaders: ['Location', 'Link', 'Retry-After', 'X-Request-Id', 'ETag', 'Content-Disposition'],
    // No cookies are used: the token travels in the Authorization header, which a cross-origin
    // page may send once its origin is allowed (Access-Control-Allow-Headers).
    credentials: false,
    maxAge: 600
  })
}, { name: 'cors-policy' })
