// The part of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Options { url: string, method?: string, connections?: number, duration?: number, body?: string, headers?: Record<string, string> }
  interface Histogram { average: number, p50: number, p99: number }
  interface Result { requests: Histogram, latency: Histogram, non2xx: number, errors: number }
  export default function autocannon (options: Options): Promise<Result>
}
