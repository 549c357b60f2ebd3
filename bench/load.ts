import autocannon from 'autocannon'
import { buildBody, EventIds } from './bodies.js'
import { summarize, type LatencySummary } from './stats.js'

/*
 * The load generator, run in its own process (forked by the benchmark) so
 * that autocannon does not share an event loop with the server it loads.
 * It receives one LoadRequest over IPC, runs a warm-up and then the
 * measured run with the same signed body, and sends back a LoadResult.
 * It messages the parent when the measured run starts, so that the parent
 * can start its CPU meters.
 */

export interface LoadRequest {
  url: string
  notifications: number
  connections: number
  warmupSeconds: number
  durationSeconds: number
}

export interface LoadResult {
  bodyBytes: number
  requests: number
  durationSeconds: number
  /** Responses by status code. */
  statusCodes: Record<string, number>
  non200: number
  /** Connection errors and timeouts. */
  errors: number
  /** Times of the 200 responses in ms, from autocannon's events (sub-millisecond). */
  latency: LatencySummary
  /** CPU use of this process during the measured run, in % of one core. */
  cpuPercent: number
}

async function runLoad (request: LoadRequest): Promise<LoadResult> {
  const signed = buildBody(new EventIds(), 0, request.notifications)
  const options = {
    url: request.url,
    method: 'POST' as const,
    connections: request.connections,
    body: signed.body,
    headers: { 'content-type': 'application/json', 'x-sqreen-integrity': signed.signature },
    timeout: 30
  }
  await autocannon({ ...options, duration: request.warmupSeconds })

  process.send?.({ type: 'measuring' })
  const times: number[] = []
  const cpuStart = process.cpuUsage()
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon({ ...options, duration: request.durationSeconds }, (err, done) => {
      if (err !== null && err !== undefined) reject(err)
      else resolve(done)
    })
    instance.on('response', (_client, status, _bytes, time) => {
      if (status === 200) times.push(time)
    })
  })
  const cpu = process.cpuUsage(cpuStart)
  const statusCodes: Record<string, number> = {}
  for (const [code, stats] of Object.entries(result.statusCodeStats ?? {})) {
    statusCodes[code] = Number((stats as { count: number | string }).count)
  }
  const ok = statusCodes['200'] ?? 0
  const responses = Object.values(statusCodes).reduce((sum, count) => sum + count, 0)
  return {
    bodyBytes: signed.body.length,
    requests: ok,
    durationSeconds: result.duration,
    statusCodes,
    non200: responses - ok,
    errors: result.errors,
    latency: summarize(times),
    cpuPercent: 100 * (cpu.user + cpu.system) / 1e6 / result.duration
  }
}

process.once('message', (request: LoadRequest) => {
  runLoad(request).then((result) => {
    process.send?.({ type: 'result', result }, () => process.exit(0))
  }, (err: unknown) => {
    const message = String((err as Error).stack ?? err)
    process.send?.({ type: 'error', message }, () => process.exit(1))
  })
})
