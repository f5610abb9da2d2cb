import { setTimeout as sleep } from 'node:timers/promises'
import type { App } from '../../src/app.ts'

const FINAL = new Set(['SUCCESS', 'FAILURE', 'REVOKED'])

export async function createTask (app: App, query = ''): Promise<{ task_id: string, task_url: string }> {
  const res = await app.inject({ method: 'POST', url: `/api/v1/todos/ical${query}` })
  if (res.statusCode !== 202) throw new Error(`POST /todos/ical${query}: ${res.statusCode} ${res.body}`)
  return res.json()
}

export function statusOf (app: App, id: string, query = '') {
  return app.inject({ method: 'GET', url: `/api/v1/todos/ical/${id}/status${query}` })
}

/**
 * Wait until a task reaches a status, within a deadline. Final statuses are awaited with the
 * API's own long poll (?wait=); others (STARTED, RETRY) by polling the status.
 */
export async function waitForStatus (app: App, id: string, expected: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const res = await statusOf(app, id, FINAL.has(expected) ? '?wait=10' : '')
    const body = res.json()
    if (body.task_status === expected) return body
    if (res.statusCode !== 200 || (FINAL.has(body.task_status) && body.task_status !== expected) || Date.now() > deadline) {
      throw new Error(`task ${id}: expected ${expected}, got ${res.statusCode} ${res.body}`)
    }
    if (!FINAL.has(expected)) await sleep(20)
  }
}
