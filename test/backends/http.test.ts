import { test } from 'tap'
import { describeBody, isRetryableStatus, parseRetryAfter, sendHttp } from '../../backends/http.js'
import { DeliveryError } from '../../src/errors.js'
import { startSlackStub } from '../fixtures/slack-stub.js'

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

test('request that fetch rejects is retryable', async (t) => {
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
