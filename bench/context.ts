import type { BenchServer } from './lib/database.ts'
import type { Result } from './lib/report.ts'

export interface BenchContext {
  server: BenchServer
  /** tiny sizes: CI runs the scripts to keep them working; the figures mean nothing */
  smoke: boolean
  log (message: string): void
}

export type Benchmark = (ctx: BenchContext) => Promise<Result[]>
