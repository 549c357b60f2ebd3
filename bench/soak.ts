import { relayMeter } from './delivery.js'
import type { GcTrace } from './gc-trace.js'
import { runOpenLoop, type OpenLoopResult } from './open-loop.js'
import { readMemory, waitForIdleBroker, type CpuShares } from './proc.js'
import type { BenchRelay } from './relay.js'
import type { SlackStandIn } from './slack-standin.js'
import { slope, summarize, type LatencySummary } from './stats.js'
import type { DeliveryTracker } from './tracker.js'

/*
 * The soak: a steady open-loop rate through a freshly started server and
 * consumer. Every few seconds it reads their resident memory from /proc,
 * and the V8 heap they have committed and their external memory (Buffers)
 * from their /metrics. It also reads their live heap after each full
 * collection from node --trace-gc. Slopes are fitted after the warm-up
 * only, because the heap and the duplicate-detection records grow until
 * they reach their steady size.
 */

export interface SoakSettings {
  ratePerSecond: number
  seconds: number
  warmupSeconds: number
  sampleSeconds: number
}

/** First and last value of a memory series, and its slope after the warm-up. */
export interface SeriesTrend {
  startBytes: number
  endBytes: number
  /** Least-squares slope after the warm-up, in bytes per minute. */
  slopePerMinute: number
}

export interface MemoryTrend {
  rss: SeriesTrend
  maxRssBytes: number
  /** VmHWM at the end of the soak. */
  peakRssBytes: number
  /** RSS at the start of each minute of the soak, then at its end. */
  rssByMinute: number[]
  /** nodejs_heap_size_total_bytes: the heap V8 has committed, garbage included. */
  committedHeap: SeriesTrend
  /** nodejs_external_memory_bytes: Buffers and other memory outside the V8 heap. */
  external: SeriesTrend
  /** Heap after each full collection after the warm-up. */
  liveHeap: SeriesTrend & { collections: number }
}

export interface SoakResult {
  settings: SoakSettings
  sent: OpenLoopResult
  delivered: number
  latency: LatencySummary
  server: MemoryTrend
  consumer: MemoryTrend
  cpu: CpuShares
}

interface Sample { seconds: number, rss: number, committedHeap: number, external: number }

type Program = 'server' | 'consumer'

/** Reads the committed heap and the external memory from a program's Prometheus metrics. */
async function scrapeMemory (url: string): Promise<{ committedHeap: number, external: number }> {
  const text = await fetch(url).then(async (response) => await response.text(), () => '')
  const value = (name: string): number => {
    const match = new RegExp(`^${name} (\\S+)`, 'm').exec(text)
    return match === null ? Number.NaN : Number(match[1])
  }
  return {
    committedHeap: value('nodejs_heap_size_total_bytes'),
    external: value('nodejs_external_memory_bytes')
  }
}

class MemorySampler {
  readonly samples: Record<Program, Sample[]> = { server: [], consumer: [] }
  readonly started = performance.now()
  readonly #relay: BenchRelay

  constructor (relay: BenchRelay) {
    this.#relay = relay
  }

  pid (program: Program): number {
    return this.#relay[program]?.pid ?? 0
  }

  async sample (): Promise<void> {
    const seconds = (performance.now() - this.started) / 1000
    for (const program of ['server', 'consumer'] as const) {
      const memory = readMemory(this.pid(program))
      if (memory === null) continue
      const scraped = await scrapeMemory(this.#relay.metricsUrls[program])
      this.samples[program].push({ seconds, rss: memory.rss, ...scraped })
    }
  }
}

export async function runSoak (
  relay: BenchRelay,
  slack: SlackStandIn,
  tracker: DeliveryTracker,
  settings: SoakSettings,
  traces: Record<Program, GcTrace>
): Promise<SoakResult> {
  await waitForIdleBroker()
  const sampler = new MemorySampler(relay)
  await sampler.sample()
  const timer = setInterval(() => { void sampler.sample() }, settings.sampleSeconds * 1000)
  const meter = relayMeter(relay)
  meter.start()

  const count = Math.round(settings.ratePerSecond * settings.seconds)
  const first = tracker.nextSequence(count)
  const before = slack.received
  const sent = await runOpenLoop({
    url: relay.webhookUrl,
    ids: tracker.ids,
    firstSequence: first,
    ratePerSecond: settings.ratePerSecond,
    count,
    onScheduled: (sequence, at) => { tracker.sent(sequence, at) }
  })
  await slack.waitFor(before + count, 60_000)
    .catch((err: Error) => { console.error(err.message) })
  clearInterval(timer)
  await sampler.sample()
  const cpu = meter.stop()

  const trend = (program: Program): MemoryTrend => memoryTrend(
    sampler.samples[program],
    sampler.pid(program),
    settings.warmupSeconds,
    heapTrend(traces[program], sampler.started, settings.warmupSeconds)
  )
  return {
    settings,
    sent,
    delivered: tracker.countReceived(first, first + count),
    latency: summarize(tracker.latencies(first, first + count)),
    server: trend('server'),
    consumer: trend('consumer'),
    cpu
  }
}

function seriesTrend (samples: Sample[], warmupSeconds: number, field: keyof Sample): SeriesTrend {
  const steady = samples.filter((sample) => sample.seconds >= warmupSeconds)
  return {
    startBytes: samples[0]?.[field] ?? Number.NaN,
    endBytes: samples[samples.length - 1]?.[field] ?? Number.NaN,
    slopePerMinute: slope(steady.map((sample) => ({ x: sample.seconds / 60, y: sample[field] })))
  }
}

function memoryTrend (
  samples: Sample[],
  pid: number,
  warmupSeconds: number,
  liveHeap: MemoryTrend['liveHeap']
): MemoryTrend {
  const minute = (sample: Sample | undefined): number => Math.floor((sample?.seconds ?? 0) / 60)
  const firstOfMinute = samples.filter((sample, index) =>
    index === 0 || minute(sample) > minute(samples[index - 1]))
  const last = samples[samples.length - 1]
  return {
    rss: seriesTrend(samples, warmupSeconds, 'rss'),
    maxRssBytes: Math.max(...samples.map((sample) => sample.rss)),
    peakRssBytes: readMemory(pid)?.peakRss ?? Number.NaN,
    rssByMinute: [...firstOfMinute, ...(last === undefined ? [] : [last])]
      .map((sample) => sample.rss),
    committedHeap: seriesTrend(samples, warmupSeconds, 'committedHeap'),
    external: seriesTrend(samples, warmupSeconds, 'external'),
    liveHeap
  }
}

function heapTrend (
  trace: GcTrace,
  started: number,
  warmupSeconds: number
): MemoryTrend['liveHeap'] {
  const steady = trace.fullCollections()
    .map((gc) => ({ x: (gc.at - started) / 60_000, y: gc.liveBytes }))
    .filter((point) => point.x * 60 >= warmupSeconds)
  return {
    collections: steady.length,
    startBytes: steady[0]?.y ?? Number.NaN,
    endBytes: steady[steady.length - 1]?.y ?? Number.NaN,
    slopePerMinute: slope(steady)
  }
}
