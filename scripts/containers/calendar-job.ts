// One calendar job through a running stack's API, as a client would: create a todo, queue a
// calendar, follow task_url until a final state, download the result. Exits 1 unless the job
// reaches SUCCESS with the todo in the calendar. Usage: node calendar-job.ts <API base URL>
const base = process.argv[2]
if (!base) throw new Error('usage: calendar-job.ts http://127.0.0.1:6400/api/v1')

async function call (method: string, url: string, body?: unknown): Promise<Response> {
  const res = await fetch(url, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(30_000)
  })
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${await res.text()}`)
  return res
}

const title = `container test ${new Date().toISOString()}`
await call('POST', `${base}/todos`, { title, deadline_at: '2023-02-27T00:00:00' })
const { task_id: id, task_url: taskUrl } = await (await call('POST', `${base}/todos/ical`)).json() as { task_id: string, task_url: string }
console.log(`queued calendar job ${id}`)

// ?wait holds the request until the state changes (LISTEN/NOTIFY): no polling interval here.
let status = 'PENDING'
for (const deadline = Date.now() + 60_000; !['SUCCESS', 'FAILURE', 'REVOKED'].includes(status);) {
  if (Date.now() > deadline) throw new Error(`job ${id} still ${status} after 60 s`)
  status = (await (await call('GET', `${taskUrl}?wait=20`)).json() as { task_status: string }).task_status
}
if (status !== 'SUCCESS') throw new Error(`job ${id} ended ${status}`)

const calendar = await (await call('GET', `${base}/todos/ical/${id}/result`)).text()
if (!calendar.startsWith('BEGIN:VCALENDAR') || !calendar.includes(`SUMMARY:${title}`)) {
  throw new Error(`job ${id}: the calendar lacks the todo:\n${calendar}`)
}
console.log(`job ${id}: SUCCESS, the calendar holds the todo`)
