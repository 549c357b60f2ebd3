import type { CpuShares } from './proc.js'
import {
  brokerLimit,
  judgeTargets,
  matchingRaw,
  requestRate,
  signedMegabytes,
  type BenchResults,
  type Target
} from './results.js'
import type { MemoryTrend, SeriesTrend } from './soak.js'
import { fixed, megabytes, type LatencySummary } from './stats.js'
import { findings, methodNotes } from './notes.js'

/* Renders one run's results as the console table and as BENCHMARKS.md. */

export function table (header: string[], rows: string[][]): string {
  const lines = [header, header.map(() => '---'), ...rows]
  return lines.map((cells) => `| ${cells.join(' | ')} |`).join('\n')
}

function percent (value: number): string {
  return `${fixed(value)} %`
}

function cpu (shares: CpuShares, name: string): string {
  const value = shares[name]
  return value === undefined ? 'n/a' : percent(value)
}

function cpuList (shares: CpuShares, names: string[]): string {
  return names.map((name) => cpu(shares, name)).join(' / ')
}

export function targetsTable (targets: Target[]): string {
  const rows = targets.map((target) =>
    [target.name, target.target, target.measured, target.met ? 'yes' : '**no**'])
  return table(['measurement', 'target', 'measured', 'met'], rows)
}

function machineSection (results: BenchResults): string {
  const { machine } = results
  return table(['', ''], [
    ['date', machine.date],
    ['CPU', `${machine.cpuModel}, ${machine.cores} cores`],
    ['RAM', megabytes(machine.memoryBytes, 0)],
    ['Node.js', machine.node],
    ['RabbitMQ', `${machine.rabbitmq} (${machine.erlang}), on this machine`],
    ['load average before the run', fixed(machine.loadAverage, 2)],
    ['command', `\`${results.command}\``],
    ['run time', `${fixed(results.elapsedSeconds)} s`]
  ])
}

function ingestSection (results: BenchResults): string {
  const rows = results.relay.map((entry, index) => {
    const http = results.http[index]
    const raw = matchingRaw(results, entry)
    const rate = requestRate(entry)
    const httpRate = http === undefined ? Number.NaN : requestRate(http)
    const rawRate = raw?.result.ratePerSecond ?? Number.NaN
    return [
      String(entry.notifications),
      fixed(entry.load.bodyBytes),
      fixed(rate),
      fixed(rate * entry.notifications),
      `${fixed(entry.load.latency.p50, 1)} / ${fixed(entry.load.latency.p99, 1)}`,
      `${entry.load.non200} / ${entry.load.errors}`,
      `${fixed(httpRate)} (${percent(100 * rate / httpRate)})`,
      `${fixed(rawRate)} (${percent(100 * rate * entry.notifications / rawRate)})`,
      cpuList(entry.cpu, ['target', 'loadgen', 'rabbitmq', 'others', 'machine'])
    ]
  })
  return table([
    'notifications per body', 'body bytes', 'relay req/s', 'relay notifications/s', 'p50 / p99 ms',
    'non-200 / errors', 'HTTP limit req/s (relay share)',
    'raw confirms/s, same in flight (relay share)',
    'CPU server / autocannon / RabbitMQ / others / machine'
  ], rows)
}

function brokerSection (results: BenchResults): string {
  const header = [
    'messages in flight', 'confirmed msg/s', 'confirm p50 / p99 ms',
    'CPU publisher / RabbitMQ / others / machine'
  ]
  return table(header, results.broker.map(({ result, cpu: shares }) => [
    String(result.inFlight),
    fixed(result.ratePerSecond),
    `${fixed(result.confirmLatency.p50, 1)} / ${fixed(result.confirmLatency.p99, 1)}`,
    cpuList(shares, ['publisher', 'rabbitmq', 'others', 'machine'])
  ]))
}

function relayCpu (shares: CpuShares): string {
  return `server ${cpu(shares, 'server')}, consumer ${cpu(shares, 'consumer')}, ` +
    `sender and stand-in ${cpu(shares, 'bench')}, RabbitMQ ${cpu(shares, 'rabbitmq')}, ` +
    `other processes ${cpu(shares, 'others')}, machine ${cpu(shares, 'machine')}`
}

function milliseconds (latency: LatencySummary, withMax: boolean): string {
  const values = withMax ? [latency.p50, latency.p99, latency.max] : [latency.p50, latency.p99]
  return `${values.map((value) => fixed(value, 1)).join(' / ')} ms`
}

function deliverySection (results: BenchResults): string {
  const e2e = results.endToEnd
  const backlog = results.throughput
  return table(['measurement', 'result'], [
    ['offered rate', `${e2e.settings.ratePerSecond} notifications/s, one per POST, ` +
      `${e2e.settings.warmupSeconds} s warm-up then ${e2e.settings.durationSeconds} s measured`],
    ['wait for RabbitMQ to go idle first', `${fixed(e2e.settleSeconds, 1)} s`],
    ['delivered to the stand-in', `${e2e.delivered} of ${e2e.expected}`],
    ['POST to stand-in p50 / p99 / max', milliseconds(e2e.latency, true)],
    ['POST to 200 p50 / p99', milliseconds(e2e.sent.responseLatency, false)],
    ['sender lag behind schedule p99', `${fixed(e2e.sent.sendLag.p99, 2)} ms`],
    ['non-200 / errors', `${e2e.sent.non200} / ${e2e.sent.errors}`],
    ['CPU during the measured part', relayCpu(e2e.cpu)],
    ['earlier messages purged before the backlog', String(backlog.leftover)],
    ['backlog preloaded / in the route queue', `${backlog.preloaded} / ${backlog.queued}`],
    ['wait for RabbitMQ to go idle before starting the consumer',
      `${fixed(backlog.settleSeconds, 1)} s`],
    ['backlog delivered', `${backlog.delivered} in ${fixed(backlog.drainSeconds, 1)} s = ` +
      `**${fixed(backlog.ratePerSecond)} deliveries/s**`],
    ['consumer start to first delivery', `${fixed(backlog.startupSeconds, 1)} s`],
    ['CPU while draining', relayCpu(backlog.cpu)]
  ])
}

function soakSummary (results: BenchResults): string {
  const { settings, sent, latency } = results.soak
  return `Soak: ${settings.ratePerSecond} notifications/s for ${settings.seconds} s through a ` +
    `fresh server and consumer with DEDUP_WINDOW_SECONDS=${results.soakDedupWindowSeconds}, ` +
    `RSS sampled every ${settings.sampleSeconds} s, ` +
    `slope fitted after ${settings.warmupSeconds} s. ` +
    `${results.soak.delivered} of ${sent.sent} delivered, POST to stand-in ` +
    `p50 ${fixed(latency.p50, 1)} ms, p99 ${fixed(latency.p99, 1)} ms, ` +
    `${sent.non200} non-200, ${sent.errors} errors. CPU: ${relayCpu(results.soak.cpu)}.`
}

/** Formats a memory series as `start → end (slope/min)`. */
function series (trend: SeriesTrend): string {
  return `${megabytes(trend.startBytes)} → ${megabytes(trend.endBytes)} ` +
    `(${signedMegabytes(trend.slopePerMinute)}/min)`
}

function memorySection (results: BenchResults): string {
  const { soak } = results
  const row = (name: string, trend: MemoryTrend): string[] => [
    name,
    series(trend.rss),
    megabytes(trend.maxRssBytes),
    megabytes(trend.peakRssBytes),
    trend.rssByMinute.map((bytes) => fixed(bytes / 1024 / 1024)).join(', ') + ' MB',
    series(trend.committedHeap),
    series(trend.external),
    `${series(trend.liveHeap)}, ${trend.liveHeap.collections} collections`
  ]
  return [
    table(['process', 'peak RSS over ingest, e2e and backlog'], [
      ['server', megabytes(results.peakRss.server)],
      ['consumer', megabytes(results.peakRss.consumer)]
    ]),
    '',
    soakSummary(results),
    '',
    'Each series reads first → last value (least-squares slope after the warm-up).',
    '',
    table([
      'process', 'RSS', 'RSS max', 'peak RSS (VmHWM)', 'RSS at each minute',
      'V8 heap committed', 'external memory', 'live heap after full GCs'
    ], [row('server', soak.server), row('consumer', soak.consumer)])
  ].join('\n')
}

/** Renders the console summary: the targets table and the ingest table. */
export function consoleReport (results: BenchResults): string {
  return [targetsTable(judgeTargets(results)), '', ingestSection(results), ''].join('\n')
}

export function markdownReport (results: BenchResults): string {
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (bench/run.ts); rerun it to refresh this page. ' +
      'Every number below comes from the run described here.',
    '',
    machineSection(results),
    '',
    '## Targets',
    '',
    targetsTable(judgeTargets(results)),
    '',
    '## What stands in the way',
    '',
    ...findings(results, brokerLimit(results)).map((line) => `- ${line}`),
    '',
    '## Webhook ingest',
    '',
    ingestSection(results),
    '',
    '## Broker limit: raw confirmed publishes',
    '',
    brokerSection(results),
    '',
    '## Delivery',
    '',
    deliverySection(results),
    '',
    '## Memory',
    '',
    memorySection(results),
    '',
    '## Method',
    '',
    ...methodNotes(results).map((line) => `- ${line}`),
    ''
  ].join('\n')
}
