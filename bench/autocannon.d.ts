// The part of autocannon's API the benchmarks use (the package ships no types).
declare module 'autocannon' {
  interface Request { method?: string, path?: string, body?: string, headers?: Record<string, string> }
  interface Options {
    url: string
    method?: string
    connections?: number
    duration?: number
    body?: string
    headers?: Record<string, string>
    /** a request per entry, in turn; setupRequest may change each one before it is sent */
    requests?: Array<Request & { setupRequest?: (request: Request) => Request }>
  }
  interface Histogram { average: number, p50: number, p99: number }
  interface Result { requests: Histogram, latency: Histogram, non2xx: number, errors: number, '2xx': number }
  export default function autocannon (options: Options): Promise<Result>
}
