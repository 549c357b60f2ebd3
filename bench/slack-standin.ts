import { createServer } from 'node:http'
import { closeHttpServer, listenOnLoopback } from '../test/fixtures/stub-helpers.js'
import { eventIdPattern } from './bodies.js'

/*
 * A Slack incoming-webhook stand-in on 127.0.0.1 that responds 200 `ok` as
 * soon as a message's body has arrived, and reports the event id found in
 * the message with the time of its arrival on this process's
 * performance.now() clock, the clock the open-loop sender stamps with.
 */

const webhookPath = '/services/TBENCH000/BBENCH000/benchStandInPath000000000'

export interface SlackStandIn {
  url: string
  /** Messages received so far, with or without a recognised event id. */
  readonly received: number
  /** Messages whose body had no event id. */
  readonly unrecognised: number
  /** Resolves once `count` messages arrived; rejects after `timeoutMs`. */
  waitFor: (count: number, timeoutMs: number) => Promise<void>
  close: () => Promise<void>
}

export async function startSlackStandIn (
  onMessage: (eventId: string, receivedAt: number) => void
): Promise<SlackStandIn> {
  let received = 0
  let unrecognised = 0
  const waiters = new Set<() => void>()
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const receivedAt = performance.now()
      response.writeHead(request.url === webhookPath ? 200 : 404, { 'content-type': 'text/html' })
      response.end(request.url === webhookPath ? 'ok' : 'no_service')
      const match = eventIdPattern.exec(Buffer.concat(chunks).toString('utf8'))
      received++
      if (match?.[1] === undefined) unrecognised++
      else onMessage(match[1], receivedAt)
      for (const wake of waiters) wake()
    })
  })
  server.keepAliveTimeout = 60_000
  const port = await listenOnLoopback(server)
  return {
    url: `http://127.0.0.1:${port}${webhookPath}`,
    get received () { return received },
    get unrecognised () { return unrecognised },
    waitFor: async (count, timeoutMs) => {
      if (received >= count) return
      await new Promise<void>((resolve, reject) => {
        const wake = (): void => {
          if (received < count) return
          clearTimeout(timer)
          waiters.delete(wake)
          resolve()
        }
        const timer = setTimeout(() => {
          waiters.delete(wake)
          reject(new Error(
            `the Slack stand-in received ${received} of ${count} messages in ${timeoutMs} ms`
          ))
        }, timeoutMs)
        waiters.add(wake)
      })
    },
    close: async () => { await closeHttpServer(server) }
  }
}
