import type { App } from '../../src/app.ts'

export interface RouteEntry { method: string, url: string }

/**
 * Every route the app has, read from Fastify's own route tree (printRoutes), so a route added
 * tomorrow is covered without editing a list. Each tree line is one path segment, indented
 * four characters a level below its parent; its methods follow in parentheses.
 */
export function listRoutes (app: App): RouteEntry[] {
  const routes: RouteEntry[] = []
  const prefixes: string[] = []
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const match = /^([│ ]*)(?:├── |└── )?(.*?)(?: \(([A-Z, ]+)\))?$/.exec(line)
    if (!match || match[2] === '') continue
    const depth = match[1]!.length / 4 + (line.includes('── ') ? 1 : 0)
    const segment = match[2]!
    const parent = prefixes[depth - 1] ?? ''
    const url = depth === 0 ? segment : `${parent}${parent.endsWith('/') || segment.startsWith('/') ? '' : '/'}${segment}`
    prefixes[depth] = url
    prefixes.length = depth + 1
    for (const method of match[3]?.split(', ') ?? []) routes.push({ method, url })
  }
  return routes
}
