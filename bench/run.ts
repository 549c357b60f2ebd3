import { randomBytes } from 'node:crypto'
import { writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { redactUrl } from '../src/logger.js'
import { EventIds } from './bodies.js'
import { measureConsumerThroughput, measureEndToEnd } from './delivery.js'
import { GcTrace } from './gc-trace.js'
import {
  measureBrokerLimit,
  measureHttpLimit,
  measureRelayIngest,
  type IngestSettings
} from './ingest.js'
import { describeMachine } from './machine.js'
import { closeSenderSockets } from './open-loop.js'
import { readMemory, type CpuShares } from './proc.js'
import { BenchRelay } from './relay.js'
import { consoleReport, markdownReport } from './report.js'
import type { BenchResults } from './results.js'
import { startSlackStandIn, type SlackStandIn } from './slack-standin.js'
import { runSoak, type SoakSettings } from './soak.js'
import { DeliveryTracker } from './tracker.js'

/*
 * `npm run bench`: measures the relay against the local RabbitMQ, prints
 * the targets table and writes BENCHMARKS.md. Settings come from BENCH_*
 * variables; the defaults keep a full run under ten minutes on 2 cores.
 *
 *   BENCH_SOAK_SECONDS     length of the memory soak (default 300)
 *   BENCH_PHASES           comma-separated subset of http,broker,ingest,e2e,backlog,soak;
 *                          a subset prints its lines without writing BENCHMARKS.md
 *   BENCH_CPU_PROF         directory for --cpu-prof profiles of the relay's server and consumer
 *   BENCH_NODE_ARGS        space-separated node options for both, e.g. "--trace-gc"
 *   BENCH_LOG_FILE         file prefix for the server and consumer logs (default /dev/null)
 *   BENCH_CONNECTIONS      autocannon connections (default 16)
 *   BENCH_INGEST_SECONDS   measured seconds per autocannon run (default 8)
 *   BENCH_BATCH_SIZES      comma-separated notifications per body (default 1,10,100,1000)
 *   BENCH_RELAY_ENV        space-separated NAME=value settings for the relay's server and
 *                          consumer, e.g. "CONSUMER_PREFETCH=128", to compare configurations
 */

const amqpUrl = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672'
const allPhases = ['http', 'broker', 'ingest', 'e2e', 'backlog', 'soak']
const phaseList = process.env.BENCH_PHASES ?? allPhases.join(',')
const phases = new Set(phaseList.split(',').map((name) => name.trim()))
const fullRun = allPhases.every((name) => phases.has(name))

const ingest: IngestSettings = {
  batchSizes: integerList('BENCH_BATCH_SIZES', [1, 10, 100, 1000]),
  connections: positiveInteger('BENCH_CONNECTIONS', 16),
  warmupSeconds: 2,
  durationSeconds: positiveInteger('BENCH_INGEST_SECONDS', 8)
}
const endToEnd = { ratePerSecond: 500, warmupSeconds: 5, durationSeconds: 20 }
const backlogSize = 10_000
/** A window the soak outlasts, so that duplicate records reach their steady count; see notes.ts. */
const soakDedupWindowSeconds = 60
const soakSeconds = positiveInteger('BENCH_SOAK_SECONDS', 300)
const soak: SoakSettings = {
  ratePerSecond: 200,
  seconds: soakSeconds,
  warmupSeconds: Math.min(soakDedupWindowSeconds + 30, Math.floor(soakSeconds / 2)),
  sampleSeconds: 5
}

/** Parses BENCH_RELAY_ENV into variables for the relay's programs. */
function relayOverrides (): NodeJS.ProcessEnv {
  const text = process.env.BENCH_RELAY_ENV?.trim() ?? ''
  if (text === '') return {}
  return Object.fromEntries(text.split(/\s+/).map((pair) => {
    const match = /^([A-Z][A-Z0-9_]*)=(.*)$/.exec(pair)
    if (match === null) {
      throw new Error(`BENCH_RELAY_ENV must list NAME=value pairs (got ${JSON.stringify(pair)})`)
    }
    return [match[1], match[2]]
  }))
}

/** Node options for the relay's programs, from BENCH_CPU_PROF and BENCH_NODE_ARGS. */
function relayNodeArgs (): string[] {
  const profileDir = process.env.BENCH_CPU_PROF
  const profile = profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${profileDir}`]
  const extra = process.env.BENCH_NODE_ARGS?.trim() ?? ''
  return [...profile, ...(extra === '' ? [] : extra.split(/\s+/))]
}

function positiveInteger (name: string, fallback: number): number {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  if (!/^[1-9]\d*$/.test(value)) {
    throw new Error(`${name} must be a positive integer (got ${JSON.stringify(value)})`)
  }
  return Number(value)
}

function integerList (name: string, fallback: number[]): number[] {
  const value = process.env[name]
  if (value === undefined || value === '') return fallback
  if (!/^[1-9]\d*(,[1-9]\d*)*$/.test(value)) {
    const got = JSON.stringify(value)
    throw new Error(`${name} must be comma-separated positive integers (got ${got})`)
  }
  return value.split(',').map(Number)
}

/** Describes the command as typed, with the variables that changed its settings. */
function describeCommand (): string {
  const overrides = Object.entries(process.env)
    .filter(([name]) => name.startsWith('BENCH_') || name === 'AMQP_URL')
    .map(([name, value]) => `${name}=${name === 'AMQP_URL' ? redactUrl(value ?? '') : value ?? ''}`)
  const viaNpm = process.env.npm_lifecycle_event === 'bench'
  const base = viaNpm ? 'npm run bench' : 'node --import tsx bench/run.ts'
  return [...overrides, base].join(' ')
}

function describeCpu (shares: CpuShares): string {
  return Object.entries(shares)
    .map(([name, percent]) => `${name} ${Math.round(percent)} %`)
    .join(', ')
}

type MainPhases = Pick<BenchResults, 'relay' | 'endToEnd' | 'throughput' | 'peakRss'>

/** Ingest, end to end and backlog against one server and consumer. */
async function runMainPhases (
  prefix: string,
  slack: SlackStandIn,
  tracker: DeliveryTracker
): Promise<Partial<MainPhases>> {
  const relay = await BenchRelay.start({
    amqpUrl,
    prefix,
    slackUrl: slack.url,
    env: relayOverrides(),
    nodeArgs: relayNodeArgs()
  })
  const results: Partial<MainPhases> = {}
  try {
    if (phases.has('ingest')) results.relay = await measureRelayIngest(relay, ingest)
    if (!phases.has('e2e') && !phases.has('backlog')) return results
    await relay.startConsumer()
    if (phases.has('e2e')) {
      results.endToEnd = await measureEndToEnd(relay, slack, tracker, endToEnd)
      const { latency, cpu } = results.endToEnd
      console.error(`end to end at ${endToEnd.ratePerSecond}/s: ` +
        `p50 ${latency.p50.toFixed(1)} ms, ` +
        `p99 ${latency.p99.toFixed(1)} ms, CPU ${describeCpu(cpu)}`)
    }
    if (phases.has('backlog')) {
      results.throughput = await measureConsumerThroughput(relay, slack, tracker, backlogSize)
      const { ratePerSecond, cpu } = results.throughput
      console.error(`backlog of ${backlogSize}: ${Math.round(ratePerSecond)} deliveries/s, ` +
        `CPU ${describeCpu(cpu)}`)
    }
    results.peakRss = {
      server: readMemory(relay.server?.pid ?? 0)?.peakRss ?? Number.NaN,
      consumer: readMemory(relay.consumer?.pid ?? 0)?.peakRss ?? Number.NaN
    }
    return results
  } finally {
    await relay.close()
  }
}

async function runSoakPhase (
  prefix: string,
  slack: SlackStandIn,
  tracker: DeliveryTracker
): Promise<BenchResults['soak']> {
  const traces = { server: new GcTrace(), consumer: new GcTrace() }
  const relay = await BenchRelay.start({
    amqpUrl,
    prefix,
    slackUrl: slack.url,
    env: { ...relayOverrides(), DEDUP_WINDOW_SECONDS: String(soakDedupWindowSeconds) },
    nodeArgs: [...relayNodeArgs(), '--trace-gc'],
    onOutputLine: (program, line) => { traces[program].line(line) }
  })
  try {
    await relay.startConsumer()
    const result = await runSoak(relay, slack, tracker, soak, traces)
    const kilobytes = (bytes: number): number => Math.round(bytes / 1024)
    console.error(`soak: RSS slope server ${kilobytes(result.server.rss.slopePerMinute)} KB/min, ` +
      `consumer ${kilobytes(result.consumer.rss.slopePerMinute)} KB/min; live heap slope ` +
      `server ${kilobytes(result.server.liveHeap.slopePerMinute)} KB/min, ` +
      `consumer ${kilobytes(result.consumer.liveHeap.slopePerMinute)} KB/min`)
    return result
  } finally {
    await relay.close()
  }
}

async function main (): Promise<void> {
  const started = performance.now()
  const machine = await describeMachine(amqpUrl)

  const prefix = `bench-${randomBytes(4).toString('hex')}`
  const tracker = new DeliveryTracker(new EventIds())
  const slack = await startSlackStandIn((eventId, at) => { tracker.received(eventId, at) })
  const results: Partial<BenchResults> = {
    machine,
    command: describeCommand(),
    ingest,
    soakDedupWindowSeconds
  }

  try {
    if (phases.has('http')) results.http = await measureHttpLimit(ingest)
    if (phases.has('broker')) {
      const windows = ingest.batchSizes.map((size) => size * ingest.connections)
      const settings = { amqpUrl, prefix, windows, warmupMs: 1000, durationMs: 5000 }
      results.broker = await measureBrokerLimit(settings)
    }
    Object.assign(results, await runMainPhases(`${prefix}-main`, slack, tracker))
    if (phases.has('soak')) results.soak = await runSoakPhase(`${prefix}-soak`, slack, tracker)
  } finally {
    closeSenderSockets()
    await slack.close()
  }

  results.elapsedSeconds = (performance.now() - started) / 1000
  writeReport(results)
}

/** Prints the table and writes BENCHMARKS.md, unless only some phases ran. */
function writeReport (results: Partial<BenchResults>): void {
  const seconds = Math.round(results.elapsedSeconds ?? 0)
  if (!fullRun) {
    console.error(`BENCH_PHASES is a subset, so BENCHMARKS.md is left unchanged (${seconds} s)`)
    return
  }
  const complete = results as BenchResults
  process.stdout.write(consoleReport(complete))
  const file = fileURLToPath(new URL('../BENCHMARKS.md', import.meta.url))
  writeFileSync(file, markdownReport(complete))
  console.error(`wrote ${file} after ${seconds} s`)
}

await main()
