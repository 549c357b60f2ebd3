import { test, type Test } from 'tap'
import { createSlackBackend } from '../../backends/slack.js'
import { DeliveryError } from '../../src/errors.js'
import { renderSlack } from '../../src/render/slack.js'
import { captureLog } from '../fixtures/log-capture.js'
import { hostile, makeDelivery, samples } from '../fixtures/notifications.js'
import { startSlackStub } from '../fixtures/slack-stub.js'

async function setup (t: Test, timeoutMs = 2000) {
  const stub = await startSlackStub()
  t.teardown(stub.close)
  const log = captureLog()
  const backend = createSlackBackend({ webhookUrl: stub.url, timeoutMs }, log.logger)
  return { stub, log, backend }
}

test('posts the rendered message', async (t) => {
  const { stub, backend } = await setup(t)
  await backend.send(makeDelivery(samples.securityEventV1))
  t.equal(backend.name, 'slack')
  t.equal(stub.received.length, 1)
  t.same(stub.received[0], renderSlack(samples.securityEventV1))
})

test('hostile text arrives escaped', async (t) => {
  const { stub, backend } = await setup(t)
  await backend.send(makeDelivery(hostile))
  const body = JSON.stringify(stub.received[0])
  t.notOk(body.includes('<!channel>'))
  t.ok(body.includes('&lt;!channel&gt;'))
})

test('5xx is retryable, then succeeds', async (t) => {
  const { stub, backend } = await setup(t)
  stub.respondWith({ status: 500, body: 'internal_error' }, { status: 503 })
  const delivery = makeDelivery(samples.pulse)
  await t.rejects(backend.send(delivery), {
    retryable: true,
    status: 500,
    message: 'Slack responded with HTTP 500: internal_error'
  })
  await t.rejects(backend.send(delivery), {
    retryable: true,
    status: 503,
    message: 'Slack responded with HTTP 503'
  })
  await backend.send(delivery)
  t.equal(stub.received.length, 3)
})

test('429 gives retryAfterMs', async (t) => {
  const { stub, backend } = await setup(t)
  stub.respondWith({ status: 429, body: 'rate_limited', headers: { 'retry-after': '30' } })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: true,
    status: 429,
    retryAfterMs: 30_000,
    message: 'Slack responded with HTTP 429: rate_limited'
  })
})

test('4xx is permanent with the reason', async (t) => {
  const { stub, backend } = await setup(t)
  stub.respondWith({ status: 400, body: 'invalid_payload' })
  const error = await backend.send(makeDelivery(samples.pulse)).catch((error: unknown) => error)
  t.ok(error instanceof DeliveryError)
  t.match(error, {
    retryable: false,
    status: 400,
    message: 'Slack responded with HTTP 400: invalid_payload'
  })
})

test('timeout is retryable', async (t) => {
  const { stub, backend } = await setup(t, 200)
  stub.respondWith({ hang: true })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: true,
    message: 'Slack did not respond within 200 ms'
  })
})

test('template replaces the text', async (t) => {
  const stub = await startSlackStub()
  t.teardown(stub.close)
  const template = { text: '*{{title}}* on {{application}}' }
  const backend = createSlackBackend({ webhookUrl: stub.url, template }, captureLog().logger)
  await backend.send(makeDelivery(samples.securityEventV1))
  t.match(stub.received[0], { text: '*Security event: auth tor tentative* on Demo app (production)' })
})

test('invalid template is permanent', async (t) => {
  const stub = await startSlackStub()
  t.teardown(stub.close)
  const options = { webhookUrl: stub.url, template: { text: '{{#open}}' } }
  const backend = createSlackBackend(options, captureLog().logger)
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: false,
    message: /^Rendering the Slack message failed: Unclosed section "open"/
  })
  t.equal(stub.received.length, 0)
})

test('webhook URL stays out of logs and errors', async (t) => {
  const { stub, log, backend } = await setup(t)
  stub.respondWith({ status: 404, body: 'no_service' })
  const error = await backend.send(makeDelivery(samples.pulse)).catch((error: unknown) => error) as Error
  await backend.send(makeDelivery(samples.pulse))
  t.ok(log.lines().length >= 2, 'backend logged')
  t.notOk(log.text().includes(stub.secretPath), 'secret path not logged')
  t.notOk(log.text().includes('stubSecretToken'), 'token not logged')
  t.notOk(error.message.includes('stubSecretToken'), 'token not in the error')
})

test('invalid webhook URL is rejected at creation', async (t) => {
  const logger = captureLog().logger
  t.throws(() => createSlackBackend({ webhookUrl: 'hooks.slack.com/services/SECRET' }, logger), {
    code: 'RELAY_CONFIG_INVALID',
    message: /^The Slack webhook URL is not a valid URL: /
  })
  t.throws(() => createSlackBackend({ webhookUrl: 'ftp://hooks.slack.com/services/SECRET' }, logger), {
    message: 'The Slack webhook URL must start with https://, got ftp:'
  })
})
