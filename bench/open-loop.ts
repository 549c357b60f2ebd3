import { Agent, request } from 'node:http'
import { setTimeout as delay } from 'node:timers/promises'
import { buildBody, type EventIds, type SignedBody } from './bodies.js'
import { summarize, type LatencySummary } from './stats.js'

/*
 * An open-loop sender: it POSTs one signed notification every 1/rate
 * seconds on a fixed schedule, whether or not earlier requests have
 * completed, so a slow relay cannot slow the offered load down. Each
 * notification's time is its scheduled send time on performance.now(), so
 * any lag of this sender counts against the relay, not in its favour.
 */

export interface OpenLoopOptions {
  url: string
  ids: EventIds
  /** Sequence number of the first notification. */
  firstSequence: number
  ratePerSecond: number
  count: number
  /** Called with each notification's sequence number and scheduled time. */
  onScheduled?: (sequence: number, scheduledAt: number) => void
}

export interface OpenLoopResult {
  sent: number
  non200: number
  errors: number
  /** POST to response, measured from the scheduled time, in ms. */
  responseLatency: LatencySummary
  /** How late requests left compared with their schedule, in ms. */
  sendLag: LatencySummary
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 })

export async function runOpenLoop (options: OpenLoopOptions): Promise<OpenLoopResult> {
  const intervalMs = 1000 / options.ratePerSecond
  const latencies = new Float64Array(options.count)
  const lags = new Float64Array(options.count)
  const outcome = { non200: 0, errors: 0 }
  const pending: Array<Promise<void>> = []
  // Signed before the schedule starts, so that signing takes no CPU while measuring.
  const bodies = Array.from({ length: options.count }, (_, index) =>
    buildBody(options.ids, options.firstSequence + index, 1))
  const start = performance.now() + 5
  for (let index = 0; index < options.count; index++) {
    const scheduledAt = start + index * intervalMs
    const wait = scheduledAt - performance.now()
    if (wait > 1) await delay(wait)
    const sequence = options.firstSequence + index
    const signed = bodies[index] as SignedBody
    lags[index] = performance.now() - scheduledAt
    options.onScheduled?.(sequence, scheduledAt)
    pending.push(post(options.url, signed.body, signed.signature).then((status) => {
      latencies[index] = performance.now() - scheduledAt
      if (status !== 200) outcome.non200++
    }, () => {
      latencies[index] = Number.NaN
      outcome.errors++
    }))
  }
  await Promise.all(pending)
  return {
    sent: options.count,
    ...outcome,
    responseLatency: summarize(latencies.filter(Number.isFinite)),
    sendLag: summarize(lags)
  }
}

/** POSTs a signed body and resolves with the response status. */
export async function post (url: string, body: Buffer, signature: string): Promise<number> {
  return await new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      agent,
      headers: {
        'content-type': 'application/json',
        'content-length': body.length,
        'x-sqreen-integrity': signature
      }
    }, (response) => {
      response.resume()
      response.on('end', () => resolve(response.statusCode ?? 0))
      response.on('error', reject)
    })
    outgoing.on('error', reject)
    outgoing.end(body)
  })
}

/** Closes the sender's idle keep-alive sockets. */
export function closeSenderSockets (): void {
  agent.destroy()
}
