import type { CpuShares } from './proc.js'
import { cpuPerNotification } from './ingest.js'
import {
  flatSlopeBytesPerMinute,
  matchingRaw,
  requestRate,
  signedMegabytes,
  type BenchResults
} from './results.js'
import type { MemoryTrend } from './soak.js'
import { fixed } from './stats.js'

/*
 * The prose of BENCHMARKS.md: how each number was measured, and what the
 * CPU and latency figures of this run show about the limits. Every figure
 * quoted here comes from the results passed in.
 */

const ingestNames = {
  target: 'server',
  loadgen: 'autocannon',
  rabbitmq: 'RabbitMQ',
  others: 'other processes'
}
const relayNames = {
  server: 'server',
  consumer: 'consumer',
  rabbitmq: 'RabbitMQ',
  others: 'other processes'
}

function cpuText (shares: CpuShares, names: Record<string, string>, cores: number): string {
  const parts = Object.entries(names)
    .map(([key, label]) => `${label} ${fixed(shares[key] ?? Number.NaN)} %`)
  const machine = `machine ${fixed(shares.machine ?? Number.NaN)} % of ${cores * 100} %`
  return [...parts, machine].join(', ')
}

/**
 * Describes whether the server was CPU-bound: busy on its one core, or
 * short of CPU because the machine's cores were all busy.
 */
function saturation (shares: CpuShares, cores: number): string {
  const server = shares.target ?? Number.NaN
  const machine = shares.machine ?? Number.NaN
  const used = `The server used ${fixed(server)} % of one core`
  if (server >= 85) return `${used}, so it was CPU-bound`
  if (machine >= 90 * cores) {
    return `${used} while the machine was ${fixed(machine)} % busy of ${cores * 100} %, ` +
      'so it waited for CPU'
  }
  return `${used}, so it still had CPU to spare`
}

function singleIngestFinding (results: BenchResults): string | null {
  const single = results.relay.find((entry) => entry.notifications === 1)
  if (single === undefined) return null
  const raw = matchingRaw(results, single)
  const bare = results.http.find((entry) => entry.notifications === 1)
  const connections = results.ingest.connections
  return `Single-notification ingest: ${fixed(requestRate(single))} req/s with ${connections} ` +
    `connections. ${saturation(single.cpu, results.machine.cores)}, at ` +
    `${fixed(cpuPerNotification(single))} µs of CPU per request against ` +
    `${fixed(bare === undefined ? Number.NaN : cpuPerNotification(bare))} µs for the bare ` +
    'route: signature, UTF-8 and depth checks, parsing, validation, the AMQP frames, one info log ' +
    'line, the security headers and the metrics. The relay responded in ' +
    `${fixed(single.load.latency.p50, 1)} ms (p50), where the raw publisher waited ` +
    `${fixed(raw?.result.confirmLatency.p50 ?? Number.NaN, 1)} ms per confirm. ` +
    `CPU in % of one core: ${cpuText(single.cpu, ingestNames, results.machine.cores)}.`
}

function batchFinding (results: BenchResults, limit: number): string | null {
  const largest = results.relay[results.relay.length - 1]
  if (largest === undefined) return null
  const rate = requestRate(largest) * largest.notifications
  const raw = matchingRaw(results, largest)?.result.ratePerSecond ?? Number.NaN
  return `Bodies of ${largest.notifications}: ${fixed(rate)} notifications/s, ` +
    `${fixed(100 * rate / raw)} % of the raw rate with as many in flight and ` +
    `${fixed(100 * rate / limit)} % of the highest raw rate measured (${fixed(limit)} msg/s). ` +
    `${saturation(largest.cpu, results.machine.cores)}, at ` +
    `${fixed(cpuPerNotification(largest))} µs of CPU per notification. ` +
    `CPU: ${cpuText(largest.cpu, ingestNames, results.machine.cores)}.`
}

/** Growth of a part of memory below which it does not explain RSS growth: 0.5 MB per minute. */
const levelBytesPerMinute = 512 * 1024

/** Names the part of a process's memory that grew after the warm-up, from its slopes. */
function growthSource (program: string, trend: MemoryTrend): string {
  const perMinute = (bytes: number): string => `${signedMegabytes(bytes)}/min`
  const slopes = `RSS ${perMinute(trend.rss.slopePerMinute)}, V8 heap committed ` +
    `${perMinute(trend.committedHeap.slopePerMinute)}, external memory ` +
    `${perMinute(trend.external.slopePerMinute)}, live heap after full collections ` +
    perMinute(trend.liveHeap.slopePerMinute)
  if (trend.rss.slopePerMinute < flatSlopeBytesPerMinute) return `${program}: ${slopes}, so level.`
  // Two points always fit a line, so a slope needs three full collections to mean anything.
  const judged = trend.liveHeap.collections >= 3
  if (judged && trend.liveHeap.slopePerMinute >= levelBytesPerMinute) {
    return `${program}: ${slopes}. Objects that survive full collections accumulate.`
  }
  if (trend.external.slopePerMinute >= levelBytesPerMinute) {
    return `${program}: ${slopes}. Memory outside the V8 heap (Buffers) grows.`
  }
  const live = judged
    ? 'while the objects that survive them stay level'
    : `and ${trend.liveHeap.collections} full collections are too few to judge ` +
      'the objects that survive them'
  if (trend.committedHeap.slopePerMinute >= levelBytesPerMinute) {
    return `${program}: ${slopes}. The growth is heap V8 commits for garbage between ` +
      `collections, ${live}. A longer soak, such as BENCH_PHASES=soak ` +
      'BENCH_SOAK_SECONDS=900, shows whether it levels off.'
  }
  return `${program}: ${slopes}. The growth is outside the V8 heap and Buffers, in native memory.`
}

function soakFinding (results: BenchResults): string {
  const { server, consumer } = results.soak
  return `Soak, after the warm-up. ${growthSource('Server', server)} ` +
    growthSource('Consumer', consumer)
}

/** Statements about the bottlenecks, derived from this run's measurements. */
export function findings (results: BenchResults, limit: number): string[] {
  const cores = results.machine.cores
  const e2e = results.endToEnd
  const backlog = results.throughput
  const lines = [singleIngestFinding(results), batchFinding(results, limit)]
  lines.push(`End to end at ${e2e.settings.ratePerSecond}/s: ` +
    `p99 ${fixed(e2e.latency.p99, 1)} ms, ` +
    `of which the POST to its 200 took p99 ${fixed(e2e.sent.responseLatency.p99, 1)} ms. ` +
    `CPU: ${cpuText(e2e.cpu, { ...relayNames, bench: 'sender and stand-in' }, cores)}.`)
  const consumerMicros = (backlog.cpu.consumer ?? Number.NaN) / 100 * 1e6 / backlog.ratePerSecond
  lines.push(`Backlog: the consumer delivered ${fixed(backlog.ratePerSecond)} notifications/s ` +
    `to the stand-in, at ${fixed(consumerMicros)} µs of its CPU per notification. ` +
    'Each one costs a routing publish and its confirm, a routing record in the duplicate ' +
    'records stream, a claim on the delivery published to the stream and read back, ' +
    'an HTTP POST, and a handled record in the stream. ' +
    `CPU: ${cpuText(backlog.cpu, { ...relayNames, bench: 'stand-in' }, cores)}.`)
  lines.push(soakFinding(results))
  return lines.filter((line): line is string => line !== null)
}

/** Describes how the run measured, with its settings. */
export function methodNotes (results: BenchResults): string[] {
  const { ingest, soak } = results
  const plateau = fixed(2 * soak.settings.ratePerSecond * 600)
  return [
    'Everything runs on this one machine and shares its cores: RabbitMQ; the relay\'s server ' +
      'and consumer, each its own Node.js process started from the build that `npm run bench` ' +
      'makes first (dist/src/server.js and dist/src/consumer.js), configured only by ' +
      'environment variables, with LOG_LEVEL ' +
      'left at its default `info` and the log output sent to /dev/null; autocannon in a third ' +
      'process; and the benchmark process, which runs the open-loop sender and the Slack ' +
      'stand-in. The CPU columns say how much each took, and "other processes" is whatever ' +
      'else ran on the machine at the time.',
    'Bodies: the captured v2 security_event of test/fixtures/sqreen (raphael-thibierge), ' +
      'repeated with a unique 24-hex event id per notification, items joined as Python\'s ' +
      'json.dumps joins them, signed with HMAC-SHA256 in X-Sqreen-Integrity.',
    `Ingest: autocannon with ${ingest.connections} connections, ${ingest.warmupSeconds} s ` +
      `warm-up, then ${ingest.durationSeconds} s measured. Only 200 responses count as ` +
      'requests. Every other status and every connection error is counted and flags the run. ' +
      'Latency comes from autocannon\'s per-response times, at sub-millisecond resolution. The ' +
      'route queue is purged after each body size.',
    'HTTP limit: a Fastify route that reads the body as bytes, as the relay does, and responds ' +
      'with 200, logging off, loaded with the same bodies.',
    'Broker limit: amqplib publishes on one confirm channel, persistent and mandatory, of the ' +
      'bytes and properties the relay publishes per notification, to a quorum queue with a ' +
      'single active consumer like the route queue. Each run keeps as many messages in flight ' +
      `as the relay has with ${ingest.connections} connections and that body size.`,
    'End to end: an open-loop sender POSTs one notification per request on a fixed schedule. ' +
      'Latency runs from the scheduled send time to the stand-in\'s receipt of the Slack ' +
      'message, both on the benchmark process\'s performance.now() clock. The consumer has a ' +
      'single Slack receiver (a routes file, so no log receiver) and duplicate detection on ' +
      'with the default window.',
    'Backlog: the consumer is stopped, the notifications are POSTed in bodies of 100 and ' +
      'counted in the route queue, then the consumer is started. The rate runs from the first ' +
      'to the last message at the stand-in, which responds at once.',
    'Duplicate detection and memory: the consumer keeps one record per routed notification ' +
      'for DEDUP_WINDOW_SECONDS (default 600 s) and one per handled delivery for at most ' +
      '5 minutes. With the default, its memory grows by design for the first 10 minutes, to ' +
      `about 2 × rate × 600 records (${plateau} at ${soak.settings.ratePerSecond}/s), so a ` +
      '5-minute soak would only show the store filling. The soak therefore runs with a ' +
      `${results.soakDedupWindowSeconds} s window and fits the slope after ` +
      `${soak.settings.warmupSeconds} s, when records expire as fast as they arrive, so ` +
      'growth after that point is not by design.',
    'Memory series: RSS and peak RSS come from /proc/<pid>/status, the committed V8 heap and ' +
      'the external memory from the nodejs_heap_size_total_bytes and ' +
      'nodejs_external_memory_bytes gauges of each program\'s /metrics, and the live heap ' +
      'from the heap size after each mark-compact collection that node --trace-gc prints. ' +
      'The soak runs both programs with --trace-gc for that.',
    'RabbitMQ keeps working for some seconds after a heavy phase, which once raised the ' +
      'end-to-end p99 above one second when that phase followed the ingest runs at once. ' +
      'The end-to-end, backlog and soak phases therefore start only once RabbitMQ has used ' +
      'less than 20 % of a core for a whole second, waiting at most 30 s.',
    'Profiles: BENCH_CPU_PROF=<dir> runs the server and consumer under node --cpu-prof, and ' +
      '`node --import tsx bench/profile-top.ts <file>` lists the heaviest functions. ' +
      'BENCH_PHASES=http,broker,ingest runs a subset and prints its lines without writing ' +
      'this page.'
  ]
}
