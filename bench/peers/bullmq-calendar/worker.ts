// The BullMQ peer's worker process (the counterpart of `npm run worker`).
// Usage: worker.ts <database url>   Env: BENCH_BULLMQ_CONCURRENCY (default 100), BENCH_BULLMQ_PREFIX.
import { Worker } from 'bullmq'
import { CALENDAR_QUEUE, bullmqOptions, calendarProcessor } from './calendar-job.ts'

export const WORKER_CONCURRENCY = Number(process.env.BENCH_BULLMQ_CONCURRENCY ?? 100)

export async function startCalendarWorker (databaseUrl: string) {
  const processor = calendarProcessor(databaseUrl)
  const worker = new Worker(CALENDAR_QUEUE, processor.process, { ...bullmqOptions(), concurrency: WORKER_CONCURRENCY })
  worker.on('error', (error) => console.error('bullmq worker:', error))
  await worker.waitUntilReady()
  return { close: async () => { await worker.close(); await processor.close() } }
}

if (import.meta.main) {
  const worker = await startCalendarWorker(process.argv[2]!)
  process.once('SIGTERM', () => { worker.close().then(() => process.exit(0), () => process.exit(1)) })
  console.log('bullmq calendar worker ready')
}
