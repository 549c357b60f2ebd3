import type { CpuShares } from './proc.js'
import { cpuPerNotification } from './ingest.js'
import { matchingRaw, requestRate, signedMegabytes, type BenchResults } from './results.js'
import { fixed, megabytes } from './stats.js'

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

/** Says whether a process at `percent` of one core had CPU to spare. */
function saturation (label: string, percent: number | undefined): string {
  const busy = fixed(percent ?? Number.NaN)
  return (percent ?? 0) >= 85
    ? `${label} used ${busy} % of one core, so it was CPU-bound`
    : `${label} used ${busy} % of one core, so it still had CPU to spare`
}

function singleIngestFinding (results: BenchResults): string | null {
  const single = results.relay.find((entry) => entry.notifications === 1)
  if (single === undefined) return null
  const raw = matchingRaw(results, single)
  const bare = results.http.find((entry) => entry.notifications === 1)
  const connections = results.ingest.connections
  return `Single-notification ingest: ${fixed(requestRate(single))} req/s with ${connections} ` +
    `connections. ${saturation('The server', single.cpu.target)}, at ` +
    `${fixed(cpuPerNotification(single))} µs of CPU per request against ` +
    `${fixed(bare === undefined ? Number.NaN : cpuPerNotification(bare))} µs for the bare ` +
    'route: signature, parsing, validation, the content key, the AMQP frames, three info log ' +
    'lines, the security headers and the metrics. The relay responded in ' +
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
    `${saturation('The server', largest.cpu.target)}, at ` +
    `${fixed(cpuPerNotification(largest))} µs of CPU per notification. ` +
    `CPU: ${cpuText(largest.cpu, ingestNames, results.machine.cores)}.`
}

function soakFinding (results: BenchResults): string {
  const { server, consumer } = results.soak
  const heap = (trend: typeof server): string =>
    `${megabytes(trend.liveHeap.firstBytes)} to ${megabytes(trend.liveHeap.lastBytes)} ` +
    `(${signedMegabytes(trend.liveHeap.slopePerMinute)}/min)`
  return `Soak: RSS after the warm-up moved ${signedMegabytes(server.slopePerMinute)}/min in ` +
    `the server and ${signedMegabytes(consumer.slopePerMinute)}/min in the consumer. The ` +
    `live heap after full collections went from ${heap(server)} in the server and ` +
    `${heap(consumer)} in the consumer. RSS that climbs while the live heap stays level is ` +
    'V8 enlarging the heap it keeps (collections become rarer as it grows), not retained ' +
    'objects.'
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
    'Each one costs a routing publish and its confirm, a duplicate record published to the ' +
    'stream and read back, an HTTP POST, and a second stream record. ' +
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
      'and consumer, each its own Node.js process started from src/server.ts and ' +
      'src/consumer.ts through tsx, configured only by environment variables, with LOG_LEVEL ' +
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
    'Profiles: BENCH_CPU_PROF=<dir> runs the server and consumer under node --cpu-prof, and ' +
      '`node --import tsx bench/profile-top.ts <file>` lists the heaviest functions. ' +
      'BENCH_PHASES=http,broker,ingest runs a subset and prints its lines without writing ' +
      'this page.'
  ]
}
