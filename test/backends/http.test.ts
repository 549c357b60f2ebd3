import { createServer } from 'node:http'
import { pino } from 'pino'
import { test, type Test } from 'tap'
import { describeBody, isRetryableStatus, maxResponseBytes, parseRetryAfter, sendHttp } from '../../backends/http.js'
import { createSlackBackend } from '../../backends/slack.js'
import { createSmsBackend } from '../../backends/sms.js'
import { createWebhookBackend } from '../../backends/webhook.js'
import { DeliveryError } from '../../src/errors.js'
import { makeDelivery, samples } from '../fixtures/notifications.js'
import { startSlackStub } from '../fixtures/slack-stub.js'
import { closeHttpServer, listenOnLoopback } from '../fixtures/stub-helpers.js'

interface LoopbackServer {
  /** Origin, e.g. `http://127.0.0.1:4567`. */
  origin: string
  /** Method and path of each request received. */
  received: string[]
}

/**
 * Starts a loopback server that responds to every request with `status`,
 * and with `location` as its Location header unless it is null.
 */
async function startServer (t: Test, status: number, location: string | null = null): Promise<LoopbackServer> {
  const received: string[] = []
  const server = createServer((request, response) => {
    received.push(`${request.method ?? ''} ${request.url ?? ''}`)
    request.resume()
    request.on('end', () => {
      response.writeHead(status, location === null ? {} : { location }).end('moved')
    })
  })
  const port = await listenOnLoopback(server)
  t.teardown(async () => { await closeHttpServer(server) })
  return { origin: `http://127.0.0.1:${port}`, received }
}

const notFollowed = "that the relay does not follow: set the receiver's URL to the new address"
const redirectStatuses = [301, 302, 303, 307, 308]

test('Retry-After in seconds', async (t) => {
  t.equal(parseRetryAfter('120'), 120_000)
  t.equal(parseRetryAfter(' 0 '), 0)
})

test('Retry-After as an HTTP date', async (t) => {
  const now = Date.parse('Wed, 21 Oct 2015 07:28:00 GMT')
  t.equal(parseRetryAfter('Wed, 21 Oct 2015 07:28:30 GMT', now), 30_000)
  t.equal(parseRetryAfter('Wed, 21 Oct 2015 07:27:00 GMT', now), 0, 'past date means now')
})

test('invalid Retry-After is ignored', async (t) => {
  t.equal(parseRetryAfter(null), undefined)
  t.equal(parseRetryAfter('soon'), undefined)
  t.equal(parseRetryAfter('-5'), undefined)
  t.equal(parseRetryAfter('1.5'), undefined)
})

test('status classification', async (t) => {
  const cases: Array<[number, boolean]> = [
    [500, true], [502, true], [503, true], [408, true], [429, true],
    [400, false], [401, false], [403, false], [404, false], [410, false], [422, false]
  ]
  for (const [status, retryable] of cases) t.equal(isRetryableStatus(status), retryable, String(status))
})

test('error body reasons', async (t) => {
  t.equal(describeBody('invalid_payload'), 'invalid_payload')
  t.equal(describeBody('{"code": 21211, "message": "Invalid \'To\' Phone Number"}'),
    "21211 Invalid 'To' Phone Number")
  t.equal(describeBody('{"message": "no code"}'), 'no code')
  t.equal(describeBody('{"error": "other shape"}'), '{"error": "other shape"}')
  t.equal(describeBody('bad\u001b[31m\nbody\u202e'), 'bad [31m body')
  t.equal(describeBody('x'.repeat(500)).length, 200)
})

test('sendHttp returns 2xx responses', async (t) => {
  const stub = await startSlackStub()
  t.teardown(stub.close)
  const request = { url: stub.url, body: '{"text":"hi"}', timeoutMs: 2000, service: 'Slack' }
  const response = await sendHttp(request)
  t.equal(response.status, 200)
  t.equal(response.body, 'ok')
})

test('sendHttp rejects with classified errors', async (t) => {
  const stub = await startSlackStub()
  t.teardown(stub.close)
  const request = { url: stub.url, body: '{"text":"hi"}', timeoutMs: 2000, service: 'Slack' }
  stub.respondWith(
    { status: 503, headers: { 'retry-after': '7' } },
    { status: 403, body: 'action_prohibited' }
  )
  await t.rejects(sendHttp(request), {
    retryable: true,
    status: 503,
    retryAfterMs: 7000,
    message: 'Slack responded with HTTP 503'
  })
  await t.rejects(sendHttp(request), {
    retryable: false,
    status: 403,
    message: 'Slack responded with HTTP 403: action_prohibited'
  })
})

test('network failure is retryable', async (t) => {
  const stub = await startSlackStub()
  const url = stub.url
  await stub.close()
  const error = await sendHttp({ url, timeoutMs: 2000, service: 'Slack' })
    .catch((error: unknown) => error)
  t.ok(error instanceof DeliveryError)
  t.match(error, { retryable: true, status: undefined, message: /^Slack request failed: ECONNREFUSED$/ })
  t.notMatch((error as Error).message, /services/, 'URL path not in the message')
})

test('timeout is retryable', async (t) => {
  const stub = await startSlackStub()
  t.teardown(stub.close)
  stub.respondWith({ hang: true })
  await t.rejects(sendHttp({ url: stub.url, body: '{"text":"x"}', timeoutMs: 200, service: 'Slack' }), {
    retryable: true,
    message: 'Slack did not respond within 200 ms'
  })
})

test('request the client rejects is retryable', async (t) => {
  const stub = await startSlackStub()
  t.teardown(stub.close)
  const request = {
    url: stub.url,
    headers: { 'x-bad': 'line\nbreak' },
    timeoutMs: 2000,
    service: 'Slack'
  }
  await t.rejects(sendHttp(request), { retryable: true, message: /^Slack request failed: .*header/i })
  t.equal(stub.received.length, 0, 'nothing was sent')
})

test('sendHttp does not follow redirects', async (t) => {
  const moved = await startServer(t, 200)
  for (const status of redirectStatuses) {
    const origin = await startServer(t, status, `${moved.origin}/moved/T0/B0/secret?token=x`)
    const request = { url: `${origin.origin}/hook`, body: '{"text":"hi"}', timeoutMs: 2000, service: 'Webhook' }
    await t.rejects(sendHttp(request), {
      retryable: false,
      status,
      message: `Webhook responded with HTTP ${status}, a redirect to ${moved.origin}/[redacted] ${notFollowed}`
    }, `HTTP ${status}`)
    t.same(origin.received, ['POST /hook'], `HTTP ${status}: sent once`)
  }
  t.same(moved.received, [], 'nothing reached the Location')
})

test('redirect Location is described', async (t) => {
  // Every Location stays on loopback, so that a client that follows it reaches no other host.
  const cases = [
    { location: '/hook', expected: 'to <origin>/[redacted] (same path)' },
    { location: 'https://127.0.0.1:1/hook', expected: 'to https://127.0.0.1:1/[redacted] (same path)' },
    { location: 'http://127.0.0.1:1/', expected: 'to http://127.0.0.1:1/' },
    { location: 'http://user:password@127.0.0.1:1/?token=x', expected: 'to http://user:redacted@127.0.0.1:1/' },
    { location: 'http://[::1', expected: 'to an invalid Location' },
    { location: null, expected: 'without a Location header' }
  ]
  for (const { location, expected } of cases) {
    const origin = await startServer(t, 308, location)
    const request = { url: `${origin.origin}/hook`, timeoutMs: 2000, service: 'Slack' }
    const where = expected.replace('<origin>', origin.origin)
    await t.rejects(sendHttp(request), {
      retryable: false,
      status: 308,
      message: `Slack responded with HTTP 308, a redirect ${where} ${notFollowed}`
    }, String(location))
  }
})

test('HTTP backends treat redirects as permanent', async (t) => {
  const moved = await startServer(t, 200)
  const origin = await startServer(t, 307, `${moved.origin}/elsewhere`)
  const logger = pino({ level: 'silent' })
  const backends = [
    createSlackBackend({ webhookUrl: `${origin.origin}/services/T0/B0/secret`, timeoutMs: 2000 }, logger),
    createSmsBackend({
      accountSid: 'AC1',
      authToken: 'token',
      from: '+15005550006',
      to: ['+33612345678'],
      apiUrl: origin.origin,
      timeoutMs: 2000
    }, logger),
    createWebhookBackend({ url: `${origin.origin}/in`, secret: 's', signatureHeader: 'X-Relay-Signature', timeoutMs: 2000 }, logger)
  ]
  for (const backend of backends) {
    const error = await backend.send(makeDelivery(samples.pulse)).catch((error: unknown) => error)
    t.ok(error instanceof DeliveryError, `${backend.name}: DeliveryError`)
    t.match(error, { retryable: false, status: 307 }, `${backend.name}: permanent`)
    t.match((error as Error).message, `responded with HTTP 307, a redirect to ${moved.origin}/[redacted] ${notFollowed}`, `${backend.name}: reason`)
  }
  t.equal(origin.received.length, 3, 'one request per backend')
  t.same(moved.received, [], 'nothing reached the Location')
})

/** Serves one response whose body is `size` bytes, or never ends when size is null. */
async function startBodyServer (t: Test, status: number, size: number | null): Promise<string> {
  const server = createServer((request, response) => {
    request.resume()
    request.on('end', () => {
      response.writeHead(status, { 'content-type': 'text/plain' })
      if (size === null) {
        response.write('partial ')
        return
      }
      response.end(Buffer.alloc(size, 'x'))
    })
  })
  const port = await listenOnLoopback(server)
  t.teardown(async () => {
    server.closeAllConnections()
    await closeHttpServer(server)
  })
  return `http://127.0.0.1:${port}/hook`
}

test('a large response body is cut to its first bytes', async (t) => {
  const url = await startBodyServer(t, 200, 5 * maxResponseBytes)
  const response = await sendHttp({ url, timeoutMs: 5000, service: 'Slack' })
  t.equal(response.body.length, maxResponseBytes)
})

test('a large error body gives a short reason', async (t) => {
  const url = await startBodyServer(t, 500, 5 * maxResponseBytes)
  const error = await sendHttp({ url, timeoutMs: 5000, service: 'Slack' }).catch((err: unknown) => err) as DeliveryError
  t.equal(error.status, 500)
  t.ok(error.message.length < 300, 'the reason is an excerpt')
})

test('a body that never ends times out', async (t) => {
  const url = await startBodyServer(t, 200, null)
  await t.rejects(sendHttp({ url, timeoutMs: 300, service: 'Slack' }), {
    retryable: true,
    message: 'Slack did not respond within 300 ms'
  })
})
