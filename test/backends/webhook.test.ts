import { createHmac, timingSafeEqual } from 'node:crypto'
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http'
import { pino } from 'pino'
import { test, type Test } from 'tap'
import type { Delivery } from '../../backends/backend.js'
import { createWebhookBackend, type WebhookOptions } from '../../backends/webhook.js'
import { DeliveryError } from '../../src/errors.js'
import { normalize } from '../../src/notifications/normalize.js'
import type { SqreenItem } from '../../src/notifications/types.js'
import { makeDelivery } from '../fixtures/notifications.js'
import { fixtureItems } from '../fixtures/sqreen.js'
import { closeHttpServer, listenOnLoopback } from '../fixtures/stub-helpers.js'

const logger = pino({ level: 'silent' })
const secret = 'webhook-secret'

function delivery (item: SqreenItem): Delivery {
  return makeDelivery(normalize(item), { receiver: 'siem' })
}

interface Received {
  headers: IncomingHttpHeaders
  body: Buffer
}

/** Starts a loopback endpoint that records each request and responds with `respond`. */
async function startEndpoint (
  t: Test,
  respond: (response: ServerResponse) => void = (response) => response.end('ok')
): Promise<{ url: string, received: Received[] }> {
  const received: Received[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks) })
      respond(response)
    })
  })
  const port = await listenOnLoopback(server)
  t.teardown(async () => await closeHttpServer(server))
  return { url: `http://127.0.0.1:${port}/hooks/sqreen`, received }
}

/** Verifies a signature the way the receiving service should: HMAC of the raw bytes, constant time. */
function verify (body: Buffer, signature: string | undefined, key = secret): boolean {
  const expected = createHmac('sha256', key).update(body).digest()
  const given = Buffer.from(signature ?? '', 'hex')
  return given.length === expected.length && timingSafeEqual(given, expected)
}

function backend (url: string, options: Partial<WebhookOptions> = {}): ReturnType<typeof createWebhookBackend> {
  return createWebhookBackend({ url, secret, signatureHeader: 'X-Relay-Signature', ...options }, logger)
}

test('webhook posts signed notification JSON', async (t) => {
  const endpoint = await startEndpoint(t)
  const [item] = fixtureItems('security_event_v2__fousti_sqreened_app.json')
  const before = Math.floor(Date.now() / 1000)
  await backend(endpoint.url).send(delivery(item as SqreenItem))

  t.equal(endpoint.received.length, 1)
  const { headers, body } = endpoint.received[0] as Received
  t.equal(headers['content-type'], 'application/json; charset=utf-8')
  t.match(headers['x-relay-signature'], /^[0-9a-f]{64}$/, 'lower-case hex signature')
  t.ok(verify(body, headers['x-relay-signature'] as string), 'signature covers the raw body')
  t.notOk(verify(body, headers['x-relay-signature'] as string, 'other-secret'), 'another key fails')

  const document = JSON.parse(body.toString('utf8'))
  t.equal(String(document.timestamp), headers['x-relay-timestamp'], 'header repeats the signed timestamp')
  t.ok(document.timestamp >= before && document.timestamp <= before + 5, 'timestamp is Unix seconds')
  t.same(document.raw, item, 'raw is the Sqreen item as received')
  t.equal(document.receiver, 'siem')
  t.equal(document.message_id, 'message-1')
  t.equal(document.request_id, 'request-1')
  t.equal(document.notification.type, 'security_event')
  t.equal(document.notification.environment, 'production')
  t.equal(document.notification.tor, true)
  t.notOk('raw' in document.notification, 'facts leave raw out')
})

test('signature covers non-ASCII bytes', async (t) => {
  const endpoint = await startEndpoint(t)
  const item = {
    sqreen_payload_type: 'security_event',
    humanized_description: 'Connexion de élodie@example.com 😀 <@channel> \u0007'
  }
  await backend(endpoint.url).send(delivery(item))
  const { headers, body } = endpoint.received[0] as Received
  t.ok(verify(body, headers['x-relay-signature'] as string))
  t.equal(JSON.parse(body.toString('utf8')).notification.description, item.humanized_description)
})

test('signature header is configurable', async (t) => {
  const endpoint = await startEndpoint(t)
  await backend(endpoint.url, { signatureHeader: 'X-Hub-Signature-256' }).send(delivery({ sqreen_payload_type: 'test' }))
  const { headers, body } = endpoint.received[0] as Received
  t.ok(verify(body, headers['x-hub-signature-256'] as string))
  t.notOk('x-relay-signature' in headers)
})

const failures = [
  { status: 500, retryable: true },
  { status: 503, retryable: true, retryAfter: '7', retryAfterMs: 7000 },
  { status: 429, retryable: true, retryAfter: '30', retryAfterMs: 30000 },
  { status: 408, retryable: true },
  { status: 400, retryable: false },
  { status: 401, retryable: false },
  { status: 404, retryable: false }
]

test('failed responses are classified', async (t) => {
  for (const { status, retryable, retryAfter, retryAfterMs } of failures) {
    const endpoint = await startEndpoint(t, (response) => {
      response.writeHead(status, retryAfter === undefined ? {} : { 'retry-after': retryAfter })
      response.end(JSON.stringify({ code: 'E1', message: 'rejected by the endpoint' }))
    })
    const error = await backend(endpoint.url).send(delivery({ sqreen_payload_type: 'test' })).then(
      () => undefined,
      (err: unknown) => err
    )
    t.type(error, DeliveryError, `${status}: DeliveryError`)
    const failure = error as DeliveryError
    t.equal(failure.retryable, retryable, `${status}: retryable is ${retryable}`)
    t.equal(failure.status, status, `${status}: status`)
    t.equal(failure.retryAfterMs, retryAfterMs, `${status}: Retry-After`)
    t.equal(failure.message, `Webhook responded with HTTP ${status}: E1 rejected by the endpoint`)
    t.notOk(failure.message.includes('127.0.0.1'), `${status}: the URL is not in the message`)
  }
})

test('unreachable endpoint is retryable', async (t) => {
  const server = createServer()
  const port = await listenOnLoopback(server)
  await closeHttpServer(server)
  await t.rejects(backend(`http://127.0.0.1:${port}/`).send(delivery({ sqreen_payload_type: 'test' })), {
    retryable: true,
    message: 'Webhook request failed: ECONNREFUSED'
  })
})

test('slow endpoint times out as retryable', async (t) => {
  const endpoint = await startEndpoint(t, () => {})
  await t.rejects(backend(endpoint.url, { timeoutMs: 100 }).send(delivery({ sqreen_payload_type: 'test' })), {
    retryable: true,
    message: 'Webhook did not respond within 100 ms'
  })
})

test('invalid options are rejected', async (t) => {
  t.throws(() => backend('not a url'), { code: 'RELAY_CONFIG_INVALID', message: 'The webhook URL is not a valid URL' })
  t.throws(() => backend('ftp://files.example.com/'), { message: 'The webhook URL must be http(s), got ftp:' })
  t.throws(() => backend('https://siem.example.com/', { secret: '' }), { message: 'The webhook secret is empty' })
})
