// The web page at /: plain HTML, CSS and ES modules from public/, served as files (no build step,
// nothing fetched from a CDN). Only the files that exist get routes, so every other unknown URL
// still gets the API's JSON 404.
import { existsSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import fastifyStatic from '@fastify/static'
import type { FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'

// public/ sits at the root of the checkout (and of the image): two folders up from src/web,
// three from the build's dist/src/web.
const here = path.dirname(fileURLToPath(import.meta.url))
export const PUBLIC_DIR = [path.resolve(here, '../../public'), path.resolve(here, '../../../public')]
  .find((dir) => existsSync(path.join(dir, 'index.html'))) ?? path.resolve(here, '../../public')

/** Is this request for one of the page's files (a route @fastify/static made for a file of public/)? */
export function isWebPageFile (request: FastifyRequest): boolean {
  const rootPath = (request.routeOptions.config as { rootPath?: unknown }).rootPath
  return typeof rootPath === 'string' && path.resolve(rootPath) === PUBLIC_DIR
}

export const webPage = fp(async (app) => {
  await app.register(fastifyStatic, {
    root: PUBLIC_DIR,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    // Small files that change with each release: revalidate (ETag) rather than cache blindly.
    cacheControl: true,
    maxAge: 0,
    decorateReply: false
  })
}, { name: 'web-page' })
