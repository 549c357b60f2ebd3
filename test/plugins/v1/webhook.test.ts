import type { ConsumeMessage } from 'amqplib'
import { test } from 'tap'
import { headers } from '../../../src/broker/messages.js'
import { topologyNames } from '../../../src/broker/topology.js'
import { sign } from '../../../src/signature.js'
import { deleteTopology, openConnection, queueDepth, uniquePrefix } from '../../fixtures/broker.js'
import { fixtureItems, listFixtures, readFixture } from '../../fixtures/sqreen.js'
import { secret, signedHeaders, startServer, startTestServer, waitUntil } from '../../fixtures/server.js'

const securityHeaders = {
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'none'"
}

test('webhook status matrix', async (t) => {
  const { server, prefix } = await startTestServer(t, 'webhook', { BODY_LIMIT: '4096' })
  await waitUntil(() => server.amqp.ready, 10_000, 'the publisher channel')
  const route = topologyNames(prefix).route
  const post = async (body: string | Buffer, requestHeaders: Record<string, string>) =>
    await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: requestHeaders })

  const valid = '[{"sqreen_payload_type": "test"}]'

  await t.test('413 before every other check', async (t) => {
    const big = Buffer.alloc(5000, 'x')
    const response = await post(big, { 'content-type': 'text/plain' })
    t.equal(response.statusCode, 413)
    t.equal(response.json().code, 'RELAY_BODY_TOO_LARGE')
    t.match(response.json().message, /4096 bytes/)
  })

  await t.test('415 before the signature', async (t) => {
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1']) {
      const response = await post(valid, { 'content-type': type })
      t.equal(response.statusCode, 415, type)
      t.equal(response.json().code, 'RELAY_UNSUPPORTED_MEDIA_TYPE')
    }
    const untyped = await server.inject({ method: 'POST', url: '/v1/webhook' })
    t.equal(untyped.statusCode, 415)
  })

  await t.test('401 before the JSON is parsed', async (t) => {
    const expected = sign(Buffer.from('not json'), secret)
    const cases = [
      { header: undefined, code: 'RELAY_SIGNATURE_MISSING' },
      { header: 'abc', code: 'RELAY_SIGNATURE_MALFORMED' },
      { header: expected.slice(0, 63), code: 'RELAY_SIGNATURE_MALFORMED' },
      { header: sign(Buffer.from('not json'), 'other'), code: 'RELAY_SIGNATURE_MISMATCH' }
    ]
    for (const { header, code } of cases) {
      const requestHeaders: Record<string, string> = { 'content-type': 'application/json' }
      if (header !== undefined) requestHeaders['x-sqreen-integrity'] = header
      const response = await post('not json', requestHeaders)
      t.equal(response.statusCode, 401, code)
      t.equal(response.json().code, code)
      t.notOk(response.body.includes(expected), 'the body does not reveal the signature')
    }
  })

  await t.test('400 for a signed body that is not JSON', async (t) => {
    const response = await post('[{"a":', signedHeaders('[{"a":'))
    t.equal(response.statusCode, 400)
    t.equal(response.json().code, 'RELAY_INVALID_JSON')
  })

  await t.test('422 names the JSON pointer', async (t) => {
    const cases = [
      { body: '[1]', pointer: '/0' },
      { body: '"text"', pointer: '' },
      { body: 'null', pointer: '' },
      { body: '[{}]', pointer: '/0/sqreen_payload_type' },
      { body: '{"sqreen_payload_type": 5}', pointer: '/sqreen_payload_type' },
      { body: '[{"sqreen_payload_type": "test"}, {"message_type": "test"}]', pointer: '/1/message' },
      { body: '[{"message_type": "test", "message": []}]', pointer: '/0/message' },
      { body: '[{"message_type": 2, "message": {}}]', pointer: '/0/message_type' }
    ]
    for (const { body, pointer } of cases) {
      const response = await post(body, signedHeaders(body))
      t.equal(response.statusCode, 422, body)
      t.equal(response.json().code, 'RELAY_INVALID_NOTIFICATION')
      t.equal(response.json().pointer, pointer, body)
    }
  })

  await t.test('422 for nesting deeper than 64 levels', async (t) => {
    const deep = `[{"sqreen_payload_type": "test", "x": ${'['.repeat(5000)}${']'.repeat(5000)}}]`
    const deepServer = await startServer({ AMQP_PREFIX: prefix, BODY_LIMIT: '1048576' })
    t.teardown(async () => { await deepServer.close() })
    await waitUntil(() => deepServer.amqp.ready)
    const response = await deepServer.inject({ method: 'POST', url: '/v1/webhook', payload: deep, headers: signedHeaders(deep) })
    t.equal(response.statusCode, 422)
    t.match(response.json().message, /\/0 is nested deeper than 64 levels/)
    const fine = `[{"sqreen_payload_type": "test", "x": ${'['.repeat(60)}${']'.repeat(60)}}]`
    const accepted = await deepServer.inject({ method: 'POST', url: '/v1/webhook', payload: fine, headers: signedHeaders(fine) })
    t.equal(accepted.statusCode, 200)
  })

  await t.test('415 for a content type fastify cannot parse', async (t) => {
    for (const type of ['a/b/c', 'application/json, text/plain']) {
      const response = await post(valid, { ...signedHeaders(valid), 'content-type': type })
      t.equal(response.statusCode, 415, type)
      t.equal(response.json().code, 'RELAY_UNSUPPORTED_MEDIA_TYPE', type)
    }
  })

  await t.test('200 for an overlong type', async (t) => {
    const body = JSON.stringify([{ sqreen_payload_type: 't'.repeat(300) }, { message_type: 'x<y>'.repeat(100), message: {} }])
    const response = await post(body, signedHeaders(body))
    t.equal(response.statusCode, 200)
    t.equal(response.json().accepted, 2)
  })

  await t.test('422 for more than 1000 notifications', async (t) => {
    const body = JSON.stringify(Array.from({ length: 1001 }, () => ({ sqreen_payload_type: 'test' })))
    const bigServer = await startServer({ AMQP_PREFIX: prefix, BODY_LIMIT: '1048576' })
    t.teardown(async () => { await bigServer.close() })
    const response = await bigServer.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })
    t.equal(response.statusCode, 422)
    t.match(response.json().message, /1000/)
  })

  await t.test('200 queues one message per notification', async (t) => {
    const before = await queueDepth(route)
    const body = '[{"sqreen_payload_type": "test"}, {"message_type": "brand_new_type", "message": {}}]'
    const response = await post(body, { ...signedHeaders(body), 'x-request-id': 'req-42' })
    t.equal(response.statusCode, 200)
    t.same(response.json(), { accepted: 2, requestId: 'req-42' })
    t.equal(response.headers['x-request-id'], 'req-42')
    for (const [name, value] of Object.entries(securityHeaders)) t.equal(response.headers[name], value, name)
    t.match(String(response.headers['strict-transport-security']), /max-age=\d+/)
    t.equal(await queueDepth(route), before + 2)
  })

  await t.test('200 for an empty batch', async (t) => {
    const response = await post('[]', signedHeaders('[]'))
    t.equal(response.statusCode, 200)
    t.equal(response.json().accepted, 0)
  })

  await t.test('security headers on errors too', async (t) => {
    const response = await post(valid, { 'content-type': 'application/json' })
    for (const [name, value] of Object.entries(securityHeaders)) t.equal(response.headers[name], value, name)
  })

  await t.test('404 is JSON', async (t) => {
    const response = await server.inject({ method: 'GET', url: '/v2/webhook' })
    t.equal(response.statusCode, 404)
    t.equal(response.json().code, 'RELAY_NOT_FOUND')
  })
})

test('batch of 1000 is confirmed', async (t) => {
  const { server, prefix } = await startTestServer(t, 'batch')
  await waitUntil(() => server.amqp.ready)
  const items = Array.from({ length: 1000 }, (_, index) => ({ sqreen_payload_type: 'security_event', index }))
  const body = JSON.stringify(items)
  const response = await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })
  t.equal(response.statusCode, 200)
  t.equal(response.json().accepted, 1000)
  t.equal(await queueDepth(topologyNames(prefix).route), 1000)
})

test('every fixture is accepted with its headers', async (t) => {
  const { server, prefix } = await startTestServer(t, 'fixtures', { SQREEN_WEBHOOK_SECRET: `old-secret,${secret}` })
  await waitUntil(() => server.amqp.ready)
  let expected = 0
  for (const name of listFixtures()) {
    const body = readFixture(name)
    const response = await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })
    t.equal(response.statusCode, 200, name)
    t.equal(response.json().accepted, fixtureItems(name).length, name)
    expected += fixtureItems(name).length
  }
  const connection = await openConnection()
  t.teardown(async () => { await connection.close() })
  const channel = await connection.createChannel()
  const route = topologyNames(prefix).route
  // The route queue has a single active consumer, so basic.get is refused.
  const messages: ConsumeMessage[] = []
  await channel.consume(route, (message) => { if (message !== null) messages.push(message) }, { noAck: true })
  await waitUntil(() => messages.length >= expected, 10_000, 'every queued notification')
  const received = messages.length
  for (const message of messages) {
    const values = message.properties.headers ?? {}
    t.match(values[headers.notificationType], /^[\w.-]+$/)
    t.type(values[headers.receivedAt], 'number')
    t.ok(message.properties.messageId)
    t.equal(message.properties.deliveryMode, 2, 'persistent')
  }
  t.equal(received, expected)
})

test('503 with Retry-After while the broker is unreachable', async (t) => {
  const server = await startServer({
    AMQP_PREFIX: uniquePrefix('down'),
    AMQP_URL: 'amqp://guest:guest@127.0.0.1:1',
    RETRY_AFTER_SECONDS: '7'
  })
  t.teardown(async () => { await server.close() })
  const body = '[{"sqreen_payload_type": "test"}]'
  const response = await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })
  t.equal(response.statusCode, 503)
  t.equal(response.headers['retry-after'], '7')
  t.equal(response.json().code, 'RELAY_BROKER_UNAVAILABLE')
  const ready = await server.inject({ method: 'GET', url: '/readyz' })
  t.equal(ready.statusCode, 503)
  const live = await server.inject({ method: 'GET', url: '/healthz' })
  t.equal(live.statusCode, 200)
})

test('metrics count accepted notifications', async (t) => {
  const { server } = await startTestServer(t, 'metrics')
  await waitUntil(() => server.amqp.ready)
  const body = '[{"sqreen_payload_type": "pulse"}, {"sqreen_payload_type": "pulse"}]'
  await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })
  const metrics = (await server.inject({ method: 'GET', url: '/metrics' })).body
  t.match(metrics, /sqreen_relay_notifications_accepted_total\{type="pulse"\} 2/)
  t.match(metrics, /sqreen_relay_publish_confirm_duration_seconds_count 1/)
  t.match(metrics, /sqreen_relay_broker_connected 1/)
  t.match(metrics, /sqreen_relay_http_requests_total\{method="POST",route="\/v1\/webhook",status_code="200"\} 1/)
})

test('a list of empty secrets stops start-up', async (t) => {
  await t.rejects(startServer({ AMQP_PREFIX: uniquePrefix('nosecret'), SQREEN_WEBHOOK_SECRET: ' , ' }), {
    code: 'RELAY_CONFIG_INVALID',
    message: /SQREEN_WEBHOOK_SECRET contains no secret/
  })
})
