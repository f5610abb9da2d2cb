// Scraping GET /metrics as Prometheus would, parsed by a real text-format parser.
import type { FastifyInstance } from 'fastify'
import parsePrometheusTextFormat, { type MetricFamily } from 'parse-prometheus-text-format'

export interface Scrape {
  /** every family, as the parser reads it, for its type */
  families: MetricFamily[]
  /** histograms read as their _bucket, _sum and _count series (see below) */
  series: MetricFamily[]
  text: string
}

export async function scrape (app: Pick<FastifyInstance, 'inject'>): Promise<Scrape> {
  const res = await app.inject({ method: 'GET', url: '/metrics' })
  if (res.statusCode !== 200) throw new Error(`GET /metrics: ${res.statusCode} ${res.body}`)
  if (!String(res.headers['content-type']).startsWith('text/plain; version=0.0.4')) throw new Error(`GET /metrics: content-type ${res.headers['content-type']}`)
  // The parser folds every series of a histogram into one and drops their labels (it was written
  // for unlabelled ones): to read a labelled histogram, parse its series as plain samples too.
  const plain = res.body.replace(/^# TYPE (\S+) histogram$/gm, '# TYPE $1 untyped')
  return { families: parsePrometheusTextFormat(res.body), series: parsePrometheusTextFormat(plain), text: res.body }
}

const matches = (labels: Record<string, string> = {}, wanted: Record<string, string>) =>
  Object.entries(wanted).every(([k, v]) => labels[k] === v)

/** The value of a counter or gauge series (a histogram: its _count); undefined when the series is absent. */
export function sample (scrape: Scrape, name: string, labels: Record<string, string> = {}): number | undefined {
  const type = scrape.families.find((f) => f.name === name)?.type
  const seriesName = type === 'HISTOGRAM' ? `${name}_count` : name
  // (prom-client writes a histogram's series label set by label set, so one name comes in several runs)
  const series = scrape.series.filter((f) => f.name === seriesName).flatMap((f) => f.metrics).filter((m) => matches(m.labels, labels))
  if (series.length > 1) throw new Error(`${name} ${JSON.stringify(labels)}: ${series.length} series match`)
  return series[0] ? Number(series[0].value) : undefined
}

export function typeOf ({ families }: Scrape, name: string): string | undefined {
  return families.find((f) => f.name === name)?.type
}

/** How much a series moved between two scrapes (an absent series counts as 0: labelled histograms appear with their first observation). */
export function moved (before: Scrape, after: Scrape, name: string, labels: Record<string, string> = {}): number {
  return (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0)
}

/** Every label value of every series, to check that no task id or user data became a label. */
export function labelValues ({ series }: Scrape): string[] {
  return series.flatMap((f) => f.metrics.flatMap((m) => Object.values(m.labels ?? {})))
}
