// Resident memory of processes we started, read from /proc (Linux), in MB.
import { readFileSync } from 'node:fs'

export function rssMb (pid: number | undefined): number {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
    return kb ? Number(kb) / 1024 : NaN
  } catch {
    return NaN
  }
}

/** The highest RSS of a process seen while sampling every `everyMs`; stop() gives it. */
export function sampleMaxRss (pid: number | undefined, everyMs = 50): { stop (): number } {
  let max = rssMb(pid)
  const timer = setInterval(() => { max = Math.max(max, rssMb(pid)) }, everyMs)
  return {
    stop () {
      clearInterval(timer)
      return Math.max(max, rssMb(pid))
    }
  }
}
