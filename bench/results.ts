import type { EndToEndResult, ThroughputResult } from './delivery.js'
import type { BrokerMeasurement, IngestSettings, LoadMeasurement } from './ingest.js'
import type { Machine } from './machine.js'
import type { CpuShares } from './proc.js'
import type { SoakResult } from './soak.js'
import { fixed, megabytes } from './stats.js'

/* Everything one run measured, and the targets judged from it. */

export interface BenchResults {
  machine: Machine
  command: string
  ingest: IngestSettings
  http: LoadMeasurement[]
  broker: BrokerMeasurement[]
  relay: LoadMeasurement[]
  endToEnd: EndToEndResult
  throughput: ThroughputResult
  /** VmHWM of the server and consumer that ran the ingest, e2e and backlog phases. */
  peakRss: { server: number, consumer: number }
  soak: SoakResult
  soakDedupWindowSeconds: number
  elapsedSeconds: number
}

export interface Target {
  name: string
  target: string
  measured: string
  met: boolean
}

/** Requests (or messages) per second of a load result. */
export function requestRate (measurement: LoadMeasurement): number {
  return measurement.load.requests / measurement.load.durationSeconds
}

export function brokerLimit (results: BenchResults): number {
  return Math.max(...results.broker.map((entry) => entry.result.ratePerSecond))
}

/** Finds the raw publish measured with as many messages in flight as `measurement` had. */
export function matchingRaw (
  results: BenchResults,
  measurement: LoadMeasurement
): BrokerMeasurement | undefined {
  const inFlight = results.ingest.connections * measurement.notifications
  return results.broker.find((entry) => entry.result.inFlight === inFlight)
}

/** Slope below which RSS counts as flat: 1 MB per minute, 5 MB over a 5-minute soak. */
export const flatSlopeBytesPerMinute = 1024 * 1024

export function judgeTargets (results: BenchResults): Target[] {
  return [
    ingestRatio(results),
    batchScaling(results),
    endToEnd(results),
    soak(results),
    errorFree(results)
  ]
}

/** CPU of other processes, in % of one core, above which a measurement is flagged. */
const contentionPercent = 20

/** Flags measurements taken while other processes used more than 20 % of a core. */
function contention (...shares: Array<CpuShares | undefined>): string {
  const others = Math.max(...shares.map((entry) => entry?.others ?? 0))
  if (others <= contentionPercent) return ''
  return `; measured while other processes used up to ${fixed(others)} % of a core`
}

function ingestRatio (results: BenchResults): Target {
  const single = results.relay.find((entry) => entry.notifications === 1)
  const raw = single === undefined ? undefined : matchingRaw(results, single)
  const relayRate = single === undefined ? Number.NaN : requestRate(single)
  const rawRate = raw?.result.ratePerSecond ?? Number.NaN
  const ratio = relayRate / rawRate
  return {
    name: 'single-notification ingest vs raw confirmed publish',
    target: '≥ 60 %',
    measured: `${fixed(relayRate)} req/s vs ${fixed(rawRate)} msg/s ` +
      `(${raw?.result.inFlight ?? '?'} in flight) = ${fixed(100 * ratio)} %` +
      contention(single?.cpu, raw?.cpu),
    met: ratio >= 0.6
  }
}

/**
 * Each larger body must add at least 5 % notifications/s, unless the
 * previous size already reached 90 % of its broker limit: the raw
 * confirmed publish rate with as many messages in flight.
 */
function batchScaling (results: BenchResults): Target {
  const steps = results.relay.map((entry) => ({
    size: entry.notifications,
    rate: entry.notifications * requestRate(entry),
    limit: matchingRaw(results, entry)?.result.ratePerSecond ?? Number.NaN
  }))
  const rising = steps.every((step, index) => {
    const previous = steps[index - 1]
    return previous === undefined || step.rate > previous.rate * 1.05 ||
      previous.rate >= 0.9 * previous.limit
  })
  const list = steps.map((step) =>
    `${step.size}: ${fixed(step.rate)} (${fixed(100 * step.rate / step.limit)} %)`)
  return {
    name: 'notifications/s by body size (share of raw confirms, same in flight)',
    target: 'rising until ≥ 90 % of the raw rate',
    measured: `${list.join(', ')}; raw max ${fixed(brokerLimit(results))} msg/s` +
      contention(...[...results.relay, ...results.broker].map((entry) => entry.cpu)),
    met: rising
  }
}

function endToEnd (results: BenchResults): Target {
  const run = results.endToEnd
  const complete = run.delivered === run.expected && run.sent.non200 + run.sent.errors === 0
  return {
    name: `POST to Slack stand-in at ${run.settings.ratePerSecond}/s, open loop`,
    target: 'p99 < 50 ms',
    measured: `p50 ${fixed(run.latency.p50, 1)} ms, p99 ${fixed(run.latency.p99, 1)} ms, ` +
      `${run.delivered}/${run.expected} delivered` + contention(run.cpu),
    met: complete && run.latency.p99 < 50
  }
}

function soak (results: BenchResults): Target {
  const { server, consumer, settings } = results.soak
  // A falling RSS is not growth, so only the upper bound counts.
  const flat = server.rss.slopePerMinute < flatSlopeBytesPerMinute &&
    consumer.rss.slopePerMinute < flatSlopeBytesPerMinute
  return {
    name: `RSS over a ${settings.seconds} s soak at ${settings.ratePerSecond}/s`,
    target: `slope < ${megabytes(flatSlopeBytesPerMinute, 0)}/min ` +
      `after ${settings.warmupSeconds} s`,
    measured: `RSS server ${signedMegabytes(server.rss.slopePerMinute)}/min, ` +
      `consumer ${signedMegabytes(consumer.rss.slopePerMinute)}/min; live heap server ` +
      `${signedMegabytes(server.liveHeap.slopePerMinute)}/min, ` +
      `consumer ${signedMegabytes(consumer.liveHeap.slopePerMinute)}/min` +
      contention(results.soak.cpu),
    met: flat
  }
}

function errorFree (results: BenchResults): Target {
  const loads = [...results.http, ...results.relay].map((entry) => entry.load)
  const non200 = loads.reduce((sum, load) => sum + load.non200, 0) +
    results.endToEnd.sent.non200 + results.soak.sent.non200
  const errors = loads.reduce((sum, load) => sum + load.errors, 0) +
    results.endToEnd.sent.errors + results.soak.sent.errors +
    results.broker.reduce((sum, entry) => sum + entry.result.failed, 0)
  return {
    name: 'every request got a 200, every publish a confirm',
    target: '0 non-200, 0 errors',
    measured: `${non200} non-200, ${errors} errors`,
    met: non200 === 0 && errors === 0
  }
}

export function signedMegabytes (bytes: number): string {
  return `${bytes >= 0 ? '+' : '−'}${megabytes(Math.abs(bytes), 2)}`
}
