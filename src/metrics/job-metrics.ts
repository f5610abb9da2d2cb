// The job metrics a process observes itself. Each event is counted in exactly one process, so
// summing a metric over every API and worker process gives the whole service:
// - queued: where the task was submitted (the API's submitter, once its INSERT committed);
// - REVOKED: where the cancel request was answered (the API), when that cancel revoked it;
// - wait, run, end-to-end, SUCCESS, FAILURE, retries, busy slots: in the process that ran the
//   attempt (`npm run worker`, or the API with WORKER_MODE=inline), when its handler returns.
// Not counted by any process: attempts pg-boss settles on its own, i.e. a job failed by expiry
// (JOB_EXPIRE_SECONDS), by missed heartbeats after its worker died, or handed back at shutdown.
// Those show in the tasks gauge (API, from the database), not in these counters.
import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import type { JobResult, JobWithMetadata } from 'pg-boss'

/** 5 ms to 5 min, roughly x2.5 apart: a calendar job takes milliseconds, a backlog minutes. */
export const JOB_SECONDS_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300]

export type FinishedOutcome = 'SUCCESS' | 'FAILURE' | 'REVOKED'

export class JobMetrics {
  readonly queued: Counter<'queue'>
  readonly finished: Counter<'queue' | 'outcome'>
  readonly retries: Counter<'queue'>
  readonly waitSeconds: Histogram<'queue'>
  readonly runSeconds: Histogram<'queue'>
  readonly endToEndSeconds: Histogram<'queue' | 'outcome'>
  readonly busySlots: Gauge<'queue'>
  readonly slots: Gauge<'queue'>

  constructor (registry: Registry) {
    const registers = [registry]
    this.queued = new Counter({ name: 'taskoverflow_tasks_queued_total', help: 'Tasks this process queued (committed)', labelNames: ['queue'], registers })
    this.finished = new Counter({ name: 'taskoverflow_tasks_finished_total', help: 'Tasks this process finished, by outcome: SUCCESS and FAILURE by the worker that ran them, REVOKED by the API that cancelled them', labelNames: ['queue', 'outcome'], registers })
    this.retries = new Counter({ name: 'taskoverflow_task_retries_total', help: 'Failed attempts this process ran that will be retried (the task goes to RETRY)', labelNames: ['queue'], registers })
    this.waitSeconds = new Histogram({ name: 'taskoverflow_task_wait_seconds', help: 'Per attempt run here: from when the task became due (queued, or its retry delay ended) to when a worker started it', labelNames: ['queue'], buckets: JOB_SECONDS_BUCKETS, registers })
    this.runSeconds = new Histogram({ name: 'taskoverflow_task_run_seconds', help: 'Per attempt run here: from the start of the handler to its result', labelNames: ['queue'], buckets: JOB_SECONDS_BUCKETS, registers })
    this.endToEndSeconds = new Histogram({ name: 'taskoverflow_task_end_to_end_seconds', help: 'Per task finished here (SUCCESS or FAILURE): from when it was queued to its result, retries included', labelNames: ['queue', 'outcome'], buckets: JOB_SECONDS_BUCKETS, registers })
    this.busySlots = new Gauge({ name: 'taskoverflow_worker_busy_slots', help: 'Fetch loops of this process running a batch of tasks now', labelNames: ['queue'], registers })
    this.slots = new Gauge({ name: 'taskoverflow_worker_slots', help: 'Fetch loops of this process (WORKER_CONCURRENCY)', labelNames: ['queue'], registers })
  }

  /** Start every series at 0, so a rate or an alert has a value before the first event. */
  declareQueue (queue: string): void {
    this.queued.inc({ queue }, 0)
    for (const outcome of ['SUCCESS', 'FAILURE', 'REVOKED'] as const) this.finished.inc({ queue, outcome }, 0)
    this.retries.inc({ queue }, 0)
  }

  /**
   * Wrap a pg-boss handler (fetched with includeMetadata) so this process observes the attempts it
   * runs. A job whose signal aborted while it ran (cancelled, or its claim lapsed) is settled by
   * someone else, and its result here lands nowhere: it is not counted.
   */
  instrument<T, R> (queue: string, concurrency: number, handler: (jobs: Array<JobWithMetadata<T>>) => Promise<R>) {
    this.declareQueue(queue)
    this.slots.set({ queue }, concurrency)
    this.busySlots.set({ queue }, 0)
    return async (jobs: Array<JobWithMetadata<T>>): Promise<R> => {
      this.busySlots.inc({ queue })
      for (const job of jobs) this.waitSeconds.observe({ queue }, Math.max(0, (job.startedOn.getTime() - job.startAfter.getTime()) / 1000))
      const started = performance.now()
      let result: R | undefined
      let thrown = false
      try {
        result = await handler(jobs)
        return result
      } catch (error) {
        thrown = true
        throw error
      } finally {
        this.busySlots.dec({ queue })
        this.#settled(queue, jobs, (performance.now() - started) / 1000, thrown, result)
      }
    }
  }

  #settled<T> (queue: string, jobs: Array<JobWithMetadata<T>>, runSeconds: number, thrown: boolean, result: unknown): void {
    // Per-job results (perJobResults) say which failed; a plain handler completes all or fails all.
    const statusOf = new Map<string, JobResult['status']>()
    if (Array.isArray(result)) for (const r of result as JobResult[]) statusOf.set(r.id, r.status)
    for (const job of jobs) {
      const status = thrown ? 'failed' : Array.isArray(result) ? statusOf.get(job.id) ?? 'failed' : 'completed'
      // A stopped job (cancelled, handed back) settled elsewhere; a job the handler completed in its
      // own transaction is no longer active, so a later heartbeat may abort its signal: it still counts.
      if (job.signal?.aborted && status !== 'completed') continue
      this.runSeconds.observe({ queue }, runSeconds)
      // pg-boss retries a failed attempt while retries are left (a dead-lettered one never).
      if (status === 'failed' && job.retryCount < job.retryLimit) {
        this.retries.inc({ queue })
        continue
      }
      const outcome = status === 'completed' ? 'SUCCESS' : 'FAILURE'
      this.finished.inc({ queue, outcome })
      // Both ends from one clock: the database's creation and start stamps, then this run's length.
      const queuedToStart = (job.startedOn.getTime() - job.createdOn.getTime()) / 1000
      this.endToEndSeconds.observe({ queue, outcome }, Math.max(0, queuedToStart) + runSeconds)
    }
  }
}
