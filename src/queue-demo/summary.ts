// What a subscriber saw, counted as it goes and summed up on exit: received per publisher,
// deliveries that came out of order and the largest gap, duplicates, and the delivery delay.
// Pure (no clock, no I/O), so it is unit-tested on its own.
import type { DemoMessage } from './message.ts'

export interface Delivery { message: DemoMessage, receivedAt: Date }

export interface PublisherSummary {
  publisher: string
  received: number
  /** deliveries of a message older than one already received from the same publisher run */
  outOfOrder: number
  /** the most messages by which a delivery came late (highest seq seen - its seq) */
  largestGap: number
  /** deliveries of a body this subscriber had already received from this publisher */
  duplicates: number
}

export interface Summary {
  publishers: PublisherSummary[]
  received: number
  outOfOrder: number
  duplicates: number
  /** milliseconds from send to receipt; undefined before the first message */
  delayP50?: number
  delayP95?: number
}

export class Tally {
  readonly #publishers = new Map<string, PublisherSummary>()
  readonly #highestSeq = new Map<string, number>() // per publisher run
  readonly #seen = new Set<string>()
  readonly #delays: number[] = []

  record ({ message, receivedAt }: Delivery): void {
    const p = this.#publisher(message.publisher)
    p.received += 1
    this.#delays.push(Math.max(0, receivedAt.getTime() - Date.parse(message.sentAt)))
    const bodyKey = JSON.stringify([message.publisher, message.body])
    if (this.#seen.has(bodyKey)) {
      p.duplicates += 1
      return // a second copy says nothing new about order
    }
    this.#seen.add(bodyKey)
    const runKey = JSON.stringify([message.publisher, message.run])
    const highest = this.#highestSeq.get(runKey)
    if (highest !== undefined && message.seq < highest) {
      p.outOfOrder += 1
      p.largestGap = Math.max(p.largestGap, highest - message.seq)
    } else {
      this.#highestSeq.set(runKey, message.seq)
    }
  }

  summary (): Summary {
    const publishers = [...this.#publishers.values()].sort((a, b) => a.publisher.localeCompare(b.publisher))
    const sum = (field: 'received' | 'outOfOrder' | 'duplicates') => publishers.reduce((n, p) => n + p[field], 0)
    const delays = [...this.#delays].sort((a, b) => a - b)
    return {
      publishers: publishers.map((p) => ({ ...p })),
      received: sum('received'),
      outOfOrder: sum('outOfOrder'),
      duplicates: sum('duplicates'),
      delayP50: percentile(delays, 50),
      delayP95: percentile(delays, 95)
    }
  }

  #publisher (name: string): PublisherSummary {
    let p = this.#publishers.get(name)
    if (!p) {
      p = { publisher: name, received: 0, outOfOrder: 0, largestGap: 0, duplicates: 0 }
      this.#publishers.set(name, p)
    }
    return p
  }
}

/** Nearest-rank percentile of sorted values. */
export function percentile (sorted: number[], p: number): number | undefined {
  if (sorted.length === 0) return undefined
  return sorted[Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length))) - 1]
}

export function formatSummary (s: Summary): string[] {
  const lines = ['Summary:']
  if (s.received === 0) return [...lines, '  no messages received']
  for (const p of s.publishers) {
    lines.push(`  ${p.publisher}: ${p.received} received, ${p.outOfOrder} out of order` +
      (p.outOfOrder > 0 ? ` (largest gap ${p.largestGap})` : '') + `, ${p.duplicates} duplicates`)
  }
  lines.push(`  total: ${s.received} received, ${s.outOfOrder} out of order, ${s.duplicates} duplicates`)
  lines.push(`  delivery delay: p50 ${formatMs(s.delayP50!)}, p95 ${formatMs(s.delayP95!)}`)
  lines.push(s.outOfOrder === 0
    ? '  order: every publisher\'s messages arrived in the order they were sent'
    : `  order: ${s.outOfOrder} ${s.outOfOrder === 1 ? 'delivery' : 'deliveries'} arrived after a later message of the same publisher`)
  return lines
}

function formatMs (ms: number): string {
  return ms < 10_000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(1)} s`
}
