import { EventIds, publishedContent } from './bodies.js'
import { runLoadChild, startBareServer } from './children.js'
import type { LoadRequest, LoadResult } from './load.js'
import { CpuMeter, findPids, type CpuShares } from './proc.js'
import { measureRawPublish, type RawPublishResult } from './raw-publish.js'
import type { BenchRelay } from './relay.js'

/*
 * Ingest measurements: the relay's webhook endpoint under autocannon, the
 * same bodies against a bare Fastify route (the HTTP limit), and raw
 * confirmed publishes with as many messages in flight as the relay has
 * at once (the broker limit).
 */

export interface IngestSettings {
  batchSizes: number[]
  connections: number
  warmupSeconds: number
  durationSeconds: number
}

export interface LoadMeasurement {
  notifications: number
  load: LoadResult
  cpu: CpuShares
}

/**
 * Runs one autocannon measurement and meters the CPU of the process at
 * `url` (as `target`), of the load generator and of RabbitMQ.
 */
async function measureLoad (
  url: string,
  targetPid: number,
  notifications: number,
  settings: IngestSettings
): Promise<LoadMeasurement> {
  const metered: { meter?: CpuMeter } = {}
  const request: LoadRequest = {
    url,
    notifications,
    connections: settings.connections,
    warmupSeconds: settings.warmupSeconds,
    durationSeconds: settings.durationSeconds
  }
  const load = await runLoadChild(request, (loadPid) => {
    const pids = { target: [targetPid], loadgen: [loadPid], rabbitmq: findPids('beam.smp') }
    metered.meter = new CpuMeter(pids)
    metered.meter.start()
  })
  const cpu = metered.meter?.stop() ?? {}
  return { notifications, load, cpu }
}

/** Measures the HTTP limit: every batch size against the bare route. */
export async function measureHttpLimit (settings: IngestSettings): Promise<LoadMeasurement[]> {
  const bare = await startBareServer()
  try {
    const results: LoadMeasurement[] = []
    for (const size of settings.batchSizes) {
      const url = `http://127.0.0.1:${bare.port}/v1/webhook`
      results.push(await measureLoad(url, bare.pid, size, settings))
      report(`http limit, ${size} per body`, results[results.length - 1])
    }
    return results
  } finally {
    await bare.stop()
  }
}

/**
 * Measures the relay's webhook endpoint for every batch size, purging the
 * route queue after each.
 */
export async function measureRelayIngest (
  relay: BenchRelay,
  settings: IngestSettings
): Promise<LoadMeasurement[]> {
  const pid = relay.server?.pid
  if (pid === undefined) throw new Error('the relay server is not running')
  const results: LoadMeasurement[] = []
  for (const size of settings.batchSizes) {
    results.push(await measureLoad(relay.webhookUrl, pid, size, settings))
    report(`relay ingest, ${size} per body`, results[results.length - 1])
    await relay.purge()
  }
  return results
}

export interface BrokerLimitSettings {
  amqpUrl: string
  prefix: string
  windows: number[]
  warmupMs: number
  durationMs: number
}

export interface BrokerMeasurement {
  result: RawPublishResult
  cpu: CpuShares
}

/** Raw confirmed publishes at each number of messages in flight. */
export async function measureBrokerLimit (
  settings: BrokerLimitSettings
): Promise<BrokerMeasurement[]> {
  const content = publishedContent(new EventIds(), 0)
  const results: BrokerMeasurement[] = []
  for (const inFlight of settings.windows) {
    const meter = new CpuMeter({ publisher: [process.pid], rabbitmq: findPids('beam.smp') })
    meter.start()
    const result = await measureRawPublish({
      url: settings.amqpUrl,
      prefix: `${settings.prefix}-raw${inFlight}`,
      content,
      inFlight,
      warmupMs: settings.warmupMs,
      durationMs: settings.durationMs
    })
    results.push({ result, cpu: meter.stop() })
    const rate = Math.round(result.ratePerSecond)
    console.error(`raw confirmed publish, ${inFlight} in flight: ${rate} msg/s`)
  }
  return results
}

/**
 * CPU time of the measured process per notification, in µs. It varies
 * less than the rates between runs on a busy machine.
 */
export function cpuPerNotification (measurement: LoadMeasurement): number {
  const { load, notifications } = measurement
  const rate = notifications * load.requests / load.durationSeconds
  return (measurement.cpu.target ?? Number.NaN) / 100 * 1e6 / rate
}

function report (label: string, measurement: LoadMeasurement | undefined): void {
  if (measurement === undefined) return
  const { load } = measurement
  const rate = Math.round(load.requests / load.durationSeconds)
  const failed = load.non200 + load.errors > 0
  const flag = failed ? ` (${load.non200} non-200, ${load.errors} errors)` : ''
  console.error(`${label}: ${rate} req/s, p99 ${load.latency.p99.toFixed(1)} ms, ` +
    `${Math.round(cpuPerNotification(measurement))} µs CPU per notification${flag}`)
}
