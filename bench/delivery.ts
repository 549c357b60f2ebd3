import { buildBody } from './bodies.js'
import { post, runOpenLoop, type OpenLoopResult } from './open-loop.js'
import { CpuMeter, findPids, waitForIdleBroker, type CpuShares } from './proc.js'
import type { BenchRelay } from './relay.js'
import type { SlackStandIn } from './slack-standin.js'
import { summarize, type LatencySummary } from './stats.js'
import type { DeliveryTracker } from './tracker.js'

/*
 * Delivery measurements through the whole relay: the time from POST to
 * the Slack stand-in at a steady rate, and the consumer's throughput on a
 * backlog preloaded into the route queue.
 */

export interface EndToEndSettings {
  ratePerSecond: number
  warmupSeconds: number
  durationSeconds: number
}

export interface EndToEndResult {
  settings: EndToEndSettings
  /** Seconds spent waiting for RabbitMQ to go idle before sending. */
  settleSeconds: number
  sent: OpenLoopResult
  /** Measured notifications, after the warm-up. */
  expected: number
  delivered: number
  latency: LatencySummary
  cpu: CpuShares
}

/** Sends at a fixed rate and measures POST-to-Slack time after the warm-up. */
export async function measureEndToEnd (
  relay: BenchRelay,
  slack: SlackStandIn,
  tracker: DeliveryTracker,
  settings: EndToEndSettings
): Promise<EndToEndResult> {
  const warmup = settings.ratePerSecond * settings.warmupSeconds
  const measured = settings.ratePerSecond * settings.durationSeconds
  const first = tracker.nextSequence(warmup + measured)
  const settleSeconds = await waitForIdleBroker()

  const before = slack.received
  const metered: { meter?: CpuMeter } = {}
  const sent = await runOpenLoop({
    url: relay.webhookUrl,
    ids: tracker.ids,
    firstSequence: first,
    ratePerSecond: settings.ratePerSecond,
    count: warmup + measured,
    onScheduled: (sequence, at) => {
      tracker.sent(sequence, at)
      if (sequence === first + warmup) {
        metered.meter = relayMeter(relay)
        metered.meter.start()
      }
    }
  })
  await slack.waitFor(before + warmup + measured, 30_000)
    .catch((err: Error) => { console.error(err.message) })
  const cpu = metered.meter?.stop() ?? {}

  const from = first + warmup
  const to = from + measured
  return {
    settings,
    settleSeconds,
    sent,
    expected: measured,
    delivered: tracker.countReceived(from, to),
    latency: summarize(tracker.latencies(from, to)),
    cpu
  }
}

export function relayMeter (relay: BenchRelay): CpuMeter {
  return new CpuMeter({
    server: relay.server === null ? [] : [relay.server.pid],
    consumer: relay.consumer === null ? [] : [relay.consumer.pid],
    bench: [process.pid],
    rabbitmq: findPids('beam.smp')
  })
}

export interface ThroughputResult {
  /** Messages of earlier phases still queued when the consumer stopped, purged first. */
  leftover: number
  /** Seconds spent waiting for RabbitMQ to go idle before starting the consumer. */
  settleSeconds: number
  preloaded: number
  queued: number
  delivered: number
  /** From spawning the consumer to the first message at the stand-in, in s. */
  startupSeconds: number
  /** From the first to the last message at the stand-in, in s. */
  drainSeconds: number
  ratePerSecond: number
  cpu: CpuShares
}

/**
 * Stops the consumer, POSTs `count` notifications in bodies of 100, then
 * starts the consumer and times until the stand-in has all of them.
 */
export async function measureConsumerThroughput (
  relay: BenchRelay,
  slack: SlackStandIn,
  tracker: DeliveryTracker,
  count: number
): Promise<ThroughputResult> {
  await relay.stopConsumer()
  const leftover = await relay.purge(true)
  const first = tracker.nextSequence(count)
  await preload(relay, tracker, first, count)
  const queued = await relay.routeDepth()
  const settleSeconds = await waitForIdleBroker()
  const before = slack.received
  const spawnedAt = performance.now()
  await relay.startConsumer()
  const meter = relayMeter(relay)
  meter.start()
  await slack.waitFor(before + count, 60_000)
    .catch((err: Error) => { console.error(err.message) })
  const cpu = meter.stop()
  const span = tracker.receiptSpan(first, first + count) ?? { first: Number.NaN, last: Number.NaN }
  const delivered = tracker.countReceived(first, first + count)
  const drainSeconds = (span.last - span.first) / 1000
  return {
    leftover,
    settleSeconds,
    preloaded: count,
    queued,
    delivered,
    startupSeconds: (span.first - spawnedAt) / 1000,
    drainSeconds,
    ratePerSecond: delivered / drainSeconds,
    cpu
  }
}

/** POSTs notifications [first, first + count) in bodies of 100, four requests at a time. */
async function preload (
  relay: BenchRelay,
  tracker: DeliveryTracker,
  first: number,
  count: number
): Promise<void> {
  const batch = 100
  let next = first
  const failures: number[] = []
  const worker = async (): Promise<void> => {
    while (next < first + count) {
      const start = next
      const size = Math.min(batch, first + count - start)
      next += size
      const signed = buildBody(tracker.ids, start, size)
      const status = await post(relay.webhookUrl, signed.body, signed.signature)
      if (status !== 200) failures.push(status)
    }
  }
  await Promise.all([worker(), worker(), worker(), worker()])
  if (failures.length > 0) throw new Error(`preloading failed: HTTP ${failures.join(', ')}`)
}
