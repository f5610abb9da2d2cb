// The container health check, one command for every image use (the image has no curl):
//   node dist/src/health/probe.js            the worker's GET /health when WORKER_HTTP_PORT is
//                                            set, else the API's liveness route on PORT
//   node dist/src/health/probe.js <path>     that path of the API on PORT (e.g. readiness)
// Exit 0 on a 2xx answer within 4 s, 1 otherwise: what Docker's HEALTHCHECK and ECS's
// healthCheck expect. Runs apart from the service, so it reads the environment directly.
export const API_LIVENESS_PATH = '/api/v1/health/live'

export function probeUrl (env: NodeJS.ProcessEnv, path: string | undefined): string {
  if (path === undefined && env.WORKER_HTTP_PORT) return `http://127.0.0.1:${env.WORKER_HTTP_PORT}/health`
  return `http://127.0.0.1:${env.PORT || 6400}${path ?? API_LIVENESS_PATH}`
}

if (import.meta.main) {
  const url = probeUrl(process.env, process.argv[2])
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(4000) })
    if (!res.ok) console.error(`${url}: ${res.status} ${await res.text()}`)
    process.exit(res.ok ? 0 : 1)
  } catch (err) {
    console.error(`${url}: ${(err as Error).message}`)
    process.exit(1)
  }
}
