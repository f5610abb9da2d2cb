// A worker that completes its job itself, so the process knows the moment the completion has
// committed. pg-boss settles what a handler returns only after the handler, with no word to the
// process when that is done: the waiters in this process (`?wait=` requests of an API with an
// inline worker) would then learn of it from the settled-job trigger's NOTIFY, a round trip
// through a second database connection. Completing here, they are woken at once; waiters in other
// processes still wake by NOTIFY, since the trigger fires whoever completes the job.
//
// Only for a batch of one job (an idle queue, where latency is what counts): the completion is
// pg-boss's own complete(), fenced to the attempt fetched, one statement per job. A bigger batch
// is left to pg-boss's single statement for all its jobs. pg-boss settles the job again after the
// handler; that statement is fenced to the active attempt and changes nothing.
import type { JobResult, PgBoss } from 'pg-boss'

interface FetchedJob { id: string, retryCount: number, signal: AbortSignal }

export function completingHere<J extends FetchedJob> (
  boss: PgBoss,
  queue: string,
  handler: (jobs: J[]) => Promise<JobResult[]>,
  onCompleted: (id: string) => void
): (jobs: J[]) => Promise<JobResult[]> {
  return async (jobs) => {
    const results = await handler(jobs)
    const [job] = jobs
    const [result] = results
    if (jobs.length !== 1 || results.length !== 1 || !job || result?.id !== job.id || result.status !== 'completed' || job.signal.aborted) return results
    try {
      // pg-boss reports how many rows it changed (its typings do not show it yet): 0 when the
      // attempt was no longer active (cancelled, or its claim lapsed), and then nobody is woken here.
      const { affected } = await boss.complete(queue, job, result.output) as { affected?: number }
      if (affected === 1) onCompleted(job.id)
    } catch {
      // Not completed here (database away?): pg-boss's own settle below tries again, and reports.
    }
    return results
  }
}
