import type { AddressInfo } from 'node:net'
import { test } from 'tap'
import { startConsumer } from '../src/consumer.js'
import { amqpUrl, deleteTopology, uniquePrefix } from './fixtures/broker.js'
import { sendRaw } from './fixtures/raw-http.js'

test('missing Host gets a JSON 400', async (t) => {
  const prefix = uniquePrefix('consumer-host')
  t.teardown(async () => { await deleteTopology({ prefix, receivers: ['log'], tiersMs: [1000] }) })
  const consumer = await startConsumer({
    env: { AMQP_URL: amqpUrl, AMQP_PREFIX: prefix, CONSUMER_PORT: '0', RETRY_TIERS_MS: '1000', LOG_LEVEL: 'silent' }
  })
  t.teardown(consumer.close)
  const { port } = consumer.http.server.address() as AddressInfo

  for (const path of ['/healthz', '/metrics', '/nope']) {
    const response = await sendRaw(port, `GET ${path} HTTP/1.1\r\n\r\n`)
    t.equal(response.status, 400, `${path}: status`)
    t.match(response.headers['content-type'], /^application\/json/, `${path}: JSON`)
    t.same(JSON.parse(response.body), {
      error: 'Bad Request',
      code: 'RELAY_BAD_REQUEST',
      message: 'The HTTP/1.1 request has no Host header: send one, such as Host: relay.example.com'
    }, `${path}: body`)
    t.equal(response.headers['x-content-type-options'], 'nosniff', `${path}: nosniff`)
    t.equal(response.headers['content-security-policy'], "default-src 'none'", `${path}: CSP`)
    t.match(response.headers['x-request-id'], /^[0-9a-f-]{36}$/, `${path}: request id`)
    t.equal(response.headers.connection, 'close', `${path}: connection closed`)
  }

  const http10 = await sendRaw(port, 'GET /healthz HTTP/1.0\r\n\r\n')
  t.equal(http10.status, 200, 'HTTP/1.0 needs no Host')
  t.same(JSON.parse(http10.body), { status: 'ok' })
})
