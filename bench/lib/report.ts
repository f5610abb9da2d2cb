// Benchmark results: every figure beside the peer measured in the same run, the ratio
// ours / peer, and in words which of the two is faster.
export interface Result {
  benchmark: string
  metric: string
  value: number
  unit: string
  /**
   * what a user would pick instead, measured in this run (alternating rounds); `part`: not a peer
   * but a part of ours (e.g. the embedded PostgreSQL alone), shown for scale without a verdict
   */
  baseline?: { label: string, value: number, part?: boolean }
  /** what we aim for, e.g. "<= 10" */
  target?: string
  note?: string
}

export function percentile (sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))
  return sorted[rank]!
}

export function summarize (samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b)
  return { p50: percentile(sorted, 50), p95: percentile(sorted, 95), max: sorted[sorted.length - 1] ?? NaN }
}

const fmt = (n: number) => Number.isNaN(n) ? 'n/a' : Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(Math.abs(n) >= 10 ? 1 : 2)

export function ratio (r: Result): string {
  if (!r.baseline || r.baseline.value === 0) return ''
  const x = r.value / r.baseline.value
  if (x < 0.1) return `1/${Math.round(1 / x)}`
  return `${x >= 10 ? Math.round(x) : x.toFixed(2)}x`
}

// Times and sizes: less is better; rates: more.
const lowerIsBetter = (unit: string) => !unit.endsWith('/s')

/** "peer faster" / "ours faster" / "even" (within 5 %), from the ratio and the unit. */
export function verdict (r: Result): string {
  if (!r.baseline || r.baseline.value === 0 || r.baseline.part) return ''
  const x = r.value / r.baseline.value
  if (Math.abs(x - 1) < 0.05) return 'even'
  const oursBetter = lowerIsBetter(r.unit) ? x < 1 : x > 1
  const word = r.unit === 'MB' ? 'leaner' : 'faster'
  return oursBetter ? `ours ${word}` : `**peer ${word}**`
}

/** A Markdown table (it goes into the README as is). */
export function table (results: Result[]): string {
  const rows = results.map((r) => [
    r.benchmark, r.metric, `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.label})` : '',
    ratio(r), verdict(r), r.target ?? '', r.note ?? ''
  ])
  const head = ['benchmark', 'metric', 'ours', 'peer (same run)', 'ours / peer', 'verdict', 'target', 'note']
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}
