// Benchmark results: every figure beside the baseline measured in the same run, and the ratio.
export interface Result {
  benchmark: string
  metric: string
  value: number
  unit: string
  /** the same thing done the plain or default way, measured in this run */
  baseline?: { label: string, value: number }
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

/** A Markdown table (it goes into the README as is). */
export function table (results: Result[]): string {
  const rows = results.map((r) => [
    r.benchmark, r.metric, `${fmt(r.value)} ${r.unit}`,
    r.baseline ? `${fmt(r.baseline.value)} ${r.unit} (${r.baseline.label})` : '',
    ratio(r), r.target ?? '', r.note ?? ''
  ])
  const head = ['benchmark', 'metric', 'ours', 'baseline (same run)', 'ours / baseline', 'target', 'note']
  return [head, head.map(() => '---'), ...rows].map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}
