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
 * consumer, sampling their resident memory from /proc every few seconds
 * and their live heap after each full collection (node --trace-gc).
 * Slopes are fitted after the warm-up only, because the heap and the
 * duplicate-detection records grow until they reach their steady size.
 */

export interface SoakSettings {
  ratePerSecond: number
  seconds: number
  warmupSeconds: number
  sampleSeconds: number
}

export interface MemoryTrend {
  startBytes: number
  endBytes: number
  maxBytes: number
  /** VmHWM at the end of the soak. */
  peakBytes: number
  /** Least-squares slope of RSS after the warm-up, in bytes per minute. */
  slopePerMinute: number
  /** RSS at the start of each minute of the soak, then at its end. */
  byMinute: number[]
  /** Heap after each full collection after the warm-up. */
  liveHeap: { collections: number, firstBytes: number, lastBytes: number, slopePerMinute: number }
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

interface Sample { seconds: number, rss: number }

type Program = 'server' | 'consumer'

export async function runSoak (
  relay: BenchRelay,
  slack: SlackStandIn,
  tracker: DeliveryTracker,
  settings: SoakSettings,
  traces: Record<Program, GcTrace>
): Promise<SoakResult> {
  const pids = { server: relay.server?.pid ?? 0, consumer: relay.consumer?.pid ?? 0 }
  const samples: Record<Program, Sample[]> = { server: [], consumer: [] }
  await waitForIdleBroker()
  const started = performance.now()
  const takeSample = (): void => {
    const seconds = (performance.now() - started) / 1000
    for (const program of ['server', 'consumer'] as const) {
      const memory = readMemory(pids[program])
      if (memory !== null) samples[program].push({ seconds, rss: memory.rss })
    }
  }
  takeSample()
  const sampler = setInterval(takeSample, settings.sampleSeconds * 1000)
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
  clearInterval(sampler)
  takeSample()
  const cpu = meter.stop()
  const trend = (program: Program): MemoryTrend => ({
    ...rssTrend(samples[program], pids[program], settings.warmupSeconds),
    liveHeap: heapTrend(traces[program], started, settings.warmupSeconds)
  })
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

function rssTrend (
  samples: Sample[],
  pid: number,
  warmupSeconds: number
): Omit<MemoryTrend, 'liveHeap'> {
  const steady = samples.filter((sample) => sample.seconds >= warmupSeconds)
  const last = samples[samples.length - 1]
  const minute = (sample: Sample | undefined): number => Math.floor((sample?.seconds ?? 0) / 60)
  const byMinute = samples.filter((sample, index) =>
    index === 0 || minute(sample) > minute(samples[index - 1]))
  return {
    startBytes: samples[0]?.rss ?? Number.NaN,
    endBytes: last?.rss ?? Number.NaN,
    maxBytes: Math.max(...samples.map((sample) => sample.rss)),
    peakBytes: readMemory(pid)?.peakRss ?? Number.NaN,
    slopePerMinute: slope(steady.map((sample) => ({ x: sample.seconds / 60, y: sample.rss }))),
    byMinute: [...byMinute, ...(last === undefined ? [] : [last])].map((sample) => sample.rss)
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
    firstBytes: steady[0]?.y ?? Number.NaN,
    lastBytes: steady[steady.length - 1]?.y ?? Number.NaN,
    slopePerMinute: slope(steady)
  }
}
