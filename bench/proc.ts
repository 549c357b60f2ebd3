import { readFileSync, readdirSync } from 'node:fs'

/*
 * Readers of Linux /proc for the processes a benchmark runs: resident
 * memory, CPU time, and the machine's total CPU time, so that a phase can
 * report how busy each process and the whole machine were.
 */

/** Clock ticks per second of /proc/<pid>/stat; 100 on every common Linux build. */
const ticksPerSecond = 100

export interface Memory {
  /** Resident set size, in bytes. */
  rss: number
  /** Peak resident set size since the process started (VmHWM), in bytes. */
  peakRss: number
}

/** Reads VmRSS and VmHWM of a process, or null once it has exited. */
export function readMemory (pid: number): Memory | null {
  let status: string
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8')
  } catch {
    return null
  }
  return {
    rss: statusKilobytes(status, 'VmRSS') * 1024,
    peakRss: statusKilobytes(status, 'VmHWM') * 1024
  }
}

function statusKilobytes (status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)
  return match === null ? 0 : Number(match[1])
}

/** User plus system CPU time of a process, in seconds, or null once it has exited. */
export function readCpuSeconds (pid: number): number | null {
  let stat: string
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  } catch {
    return null
  }
  // The command name in brackets may contain spaces, so fields are counted after it.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
}

/** Busy and total CPU time of the whole machine, in seconds summed over all cores. */
export function readMachineCpu (): { busy: number, total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
  const values = line.trim().split(/\s+/).slice(1, 9).map(Number)
  const total = values.reduce((sum, value) => sum + value, 0)
  // Fields 4 and 5 are idle and iowait.
  const idle = (values[3] ?? 0) + (values[4] ?? 0)
  return { busy: (total - idle) / ticksPerSecond, total: total / ticksPerSecond }
}

/** Process ids whose command name is `name`, e.g. `beam.smp` for RabbitMQ. */
export function findPids (name: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === name) pids.push(Number(entry))
    } catch {
      // The process exited while the directory was read.
    }
  }
  return pids
}

export type CpuShares = Record<string, number>

/**
 * Measures CPU use between `start()` and `stop()`. Each named process gets
 * its percentage of one core. `machine` is the percentage of all cores
 * together, so 200 % is full on 2 cores, and `others` is what the machine
 * spent outside the named processes.
 */
export class CpuMeter {
  readonly #pids: Record<string, number[]>
  #start: Record<string, number> = {}
  #machineStart = { busy: 0, total: 0 }
  #wallStart = 0

  constructor (pids: Record<string, number[]>) {
    this.#pids = pids
  }

  start (): void {
    this.#start = this.#sample()
    this.#machineStart = readMachineCpu()
    this.#wallStart = performance.now()
  }

  stop (): CpuShares {
    const end = this.#sample()
    const machine = readMachineCpu()
    const wallSeconds = (performance.now() - this.#wallStart) / 1000
    const shares: CpuShares = {}
    for (const name of Object.keys(end)) {
      shares[name] = 100 * ((end[name] ?? 0) - (this.#start[name] ?? 0)) / wallSeconds
    }
    const cores = (machine.total - this.#machineStart.total) / wallSeconds
    const named = Object.values(shares).reduce((sum, value) => sum + value, 0)
    shares.machine = 100 * cores * (machine.busy - this.#machineStart.busy) /
      (machine.total - this.#machineStart.total)
    shares.others = Math.max(shares.machine - named, 0)
    return shares
  }

  #sample (): Record<string, number> {
    const seconds: Record<string, number> = {}
    for (const [name, pids] of Object.entries(this.#pids)) {
      seconds[name] = pids.reduce((sum, pid) => sum + (readCpuSeconds(pid) ?? 0), 0)
    }
    return seconds
  }
}

/**
 * Waits until RabbitMQ has used less than `maxPercent` of one core over a
 * whole second, so that one phase does not measure the disk and queue
 * work left over from the one before. Gives up after `timeoutMs` and
 * returns the seconds waited either way.
 */
export async function waitForIdleBroker (maxPercent = 20, timeoutMs = 30_000): Promise<number> {
  const started = performance.now()
  while (performance.now() - started < timeoutMs) {
    const meter = new CpuMeter({ rabbitmq: findPids('beam.smp') })
    meter.start()
    await new Promise((resolve) => setTimeout(resolve, 1000))
    if ((meter.stop().rabbitmq ?? 0) < maxPercent) break
  }
  return (performance.now() - started) / 1000
}
