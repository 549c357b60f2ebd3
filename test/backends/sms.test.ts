import { test, type Test } from 'tap'
import { createSmsBackend, type SmsOptions } from '../../backends/sms.js'
import { DeliveryError } from '../../src/errors.js'
import { renderSms } from '../../src/render/sms.js'
import { captureLog } from '../fixtures/log-capture.js'
import { hostile, makeDelivery, samples } from '../fixtures/notifications.js'
import { startTwilioStub, type TwilioStub } from '../fixtures/twilio-stub.js'

const numbers = ['+33612345678', '+15005550006']
const sender = '+15005550001'

function optionsFor (stub: TwilioStub, options: Partial<SmsOptions> = {}): SmsOptions {
  return {
    accountSid: stub.accountSid,
    authToken: stub.authToken,
    from: sender,
    to: numbers,
    apiUrl: stub.url,
    timeoutMs: 2000,
    ...options
  }
}

async function setup (t: Test, options: Partial<SmsOptions> = {}) {
  const stub = await startTwilioStub()
  t.teardown(stub.close)
  const log = captureLog()
  const backend = createSmsBackend(optionsFor(stub, options), log.logger)
  return { stub, log, backend }
}

test('sends one SMS per number', async (t) => {
  const { stub, backend } = await setup(t)
  await backend.send(makeDelivery(samples.securityEventV1))
  t.equal(backend.name, 'sms')
  const body = renderSms(samples.securityEventV1)
  t.same(stub.received, [
    { to: numbers[0], from: sender, body, status: 201 },
    { to: numbers[1], from: sender, body, status: 201 }
  ])
})

test('hostile text arrives cleaned', async (t) => {
  const { stub, backend } = await setup(t)
  await backend.send(makeDelivery(hostile))
  t.notMatch(stub.received[0]?.body ?? '', /[\u0000\u001b\u202e\r]/)
})

test('wrong auth token is permanent', async (t) => {
  const { stub, backend } = await setup(t, { authToken: 'wrong-token' })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: false,
    status: 401,
    message: /Twilio responded with HTTP 401: 20003 Authenticate/
  })
  t.equal(stub.received.length, 0)
})

test('invalid number is permanent with the reason', async (t) => {
  const { stub, backend } = await setup(t, { to: [numbers[0] ?? ''] })
  stub.respondWith({
    status: 400,
    code: 21211,
    message: "The 'To' number +33612345678 is not a valid phone number."
  })
  const error = await backend.send(makeDelivery(samples.pulse)).catch((error: unknown) => error)
  t.ok(error instanceof DeliveryError)
  t.match(error, {
    retryable: false,
    status: 400,
    message: /^SMS to 1 of 1 numbers failed \(\+33612345678: Twilio responded with HTTP 400: 21211 /
  })
})

test('429 gives retryAfterMs', async (t) => {
  const { stub, backend } = await setup(t, { to: [numbers[0] ?? ''] })
  stub.respondWith({ status: 429, headers: { 'retry-after': '12' } })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: true,
    status: 429,
    retryAfterMs: 12_000,
    message: /20429 Too Many Requests/
  })
})

test('5xx is retryable', async (t) => {
  const { stub, backend } = await setup(t, { to: [numbers[0] ?? ''] })
  stub.respondWith({ status: 500 })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: true,
    status: 500,
    message: /HTTP 500: 20500 Internal Server Error/
  })
})

test('timeout is retryable', async (t) => {
  const { stub, backend } = await setup(t, { to: [numbers[0] ?? ''], timeoutMs: 200 })
  stub.respondWith({ hang: true })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: true,
    message: /Twilio did not respond within 200 ms/
  })
})

test('retry skips numbers already reached', async (t) => {
  const { stub, backend } = await setup(t)
  stub.respondWith({ status: 201 }, { status: 503 })
  const delivery = makeDelivery(samples.pulse, { messageId: 'partial' })
  const error = await backend.send(delivery).catch((error: unknown) => error) as DeliveryError
  t.match(error, {
    retryable: true,
    status: 503,
    message: /^SMS to 1 of 2 numbers failed \(\+15005550006: /
  })
  t.same(error.completed, [numbers[0]], 'the error names the number reached')
  await backend.send({ ...delivery, attempt: 2, completed: error.completed })
  t.same(stub.received.map((request) => [request.to, request.status]), [
    [numbers[0], 201],
    [numbers[1], 503],
    [numbers[1], 201]
  ])
})

test('other deliveries still reach every number', async (t) => {
  const { stub, backend } = await setup(t)
  stub.respondWith({ status: 201 }, { status: 503 })
  await backend.send(makeDelivery(samples.pulse, { messageId: 'a' })).catch(() => {})
  await backend.send(makeDelivery(samples.pulse, { messageId: 'b' }))
  t.same(stub.received.slice(2).map((request) => request.to), numbers)
})

test('mixed failures are retryable and name each number', async (t) => {
  const { stub, backend } = await setup(t)
  stub.respondWith(
    { status: 400, code: 21211, message: 'Invalid To' },
    { status: 500, headers: { 'retry-after': '5' } }
  )
  const error = await backend.send(makeDelivery(samples.pulse))
    .catch((error: unknown) => error) as DeliveryError
  t.equal(error.retryable, true)
  t.equal(error.status, 400, 'status of the first failure')
  t.equal(error.retryAfterMs, 5000)
  t.match(error.message, /^SMS to 2 of 2 numbers failed/)
  t.match(error.message, /\+33612345678: .*21211 Invalid To/)
  t.match(error.message, /\+15005550006: .*HTTP 500/)
})

test('template replaces the body', async (t) => {
  const template = { text: 'Sqreen {{type}} on {{application}}' }
  const { stub, backend } = await setup(t, { to: [numbers[0] ?? ''], template })
  await backend.send(makeDelivery(samples.pulse))
  t.equal(stub.received[0]?.body, 'Sqreen pulse on APPLICATION (production)')
})

test('credentials stay out of logs', async (t) => {
  const { stub, log, backend } = await setup(t)
  stub.respondWith({ status: 400, code: 21211 })
  await backend.send(makeDelivery(samples.pulse)).catch(() => {})
  await backend.send(makeDelivery(samples.pulse, { messageId: 'next' }))
  const text = log.text()
  t.ok(log.lines().length >= 2, 'backend logged')
  t.notOk(text.includes(stub.authToken), 'no auth token')
  const basicAuth = Buffer.from(`${stub.accountSid}:${stub.authToken}`).toString('base64')
  t.notOk(text.includes(basicAuth), 'no basic auth')
})

test('trailing slash of the API URL is ignored', async (t) => {
  const stub = await startTwilioStub()
  t.teardown(stub.close)
  const options = optionsFor(stub, { apiUrl: `${stub.url}/`, to: [numbers[0] ?? ''] })
  const backend = createSmsBackend(options, captureLog().logger)
  await backend.send(makeDelivery(samples.pulse))
  t.equal(stub.received.length, 1)
})

test('201 without JSON still counts as sent', async (t) => {
  const { stub, backend } = await setup(t)
  stub.respondWith({ status: 201, body: 'queued' }, { status: 201, body: 'null' })
  await backend.send(makeDelivery(samples.pulse))
  t.same(stub.received.map((request) => request.status), [201, 201])
})
