import { test } from 'tap'
import { createLogBackend } from '../../backends/log.js'
import { captureLog } from '../fixtures/log-capture.js'
import { hostile, loneSurrogate, makeDelivery, samples, withLoneSurrogates } from '../fixtures/notifications.js'

test('one info line per notification', async (t) => {
  const log = captureLog()
  const backend = createLogBackend({}, log.logger)
  await backend.send(makeDelivery(samples.securityEventV1))
  t.equal(backend.name, 'log')
  const lines = log.lines()
  t.equal(lines.length, 1)
  t.match(lines[0], {
    level: 30,
    msg: 'sqreen notification',
    messageId: 'message-1',
    requestId: 'request-1',
    attempt: 1,
    notification: {
      type: 'security_event',
      format: 'v1',
      title: 'Security event: auth tor tentative',
      applicationName: 'Demo app',
      environment: 'production',
      tor: true,
      ips: [{ address: '135.96.171.118', country: 'ROU', city: 'Sag', tor: true }],
      accounts: ['jeff45@harrell.com'],
      url: samples.securityEventV1.url
    }
  })
})

test('raw item is not logged', async (t) => {
  const log = captureLog()
  await createLogBackend({}, log.logger).send(makeDelivery(samples.securityEventV1))
  const notification = log.lines()[0]?.notification as Record<string, unknown>
  t.notOk('raw' in notification)
  t.notOk(log.text().includes('date_resolved'), 'no raw field')
})

test('hostile text is cleaned', async (t) => {
  const log = captureLog()
  await createLogBackend({}, log.logger).send(makeDelivery(hostile))
  const text = log.text()
  t.notOk(text.includes('\u202e'), 'no bidi override')
  t.notOk(text.includes('\\u001b'), 'no escape character')
  t.notOk(text.includes('\\r\\n'), 'no attacker line break')
  t.match(log.lines()[0], { notification: { description: /^Hi <!channel>/ } })
})

test('lone surrogates become U+FFFD', async (t) => {
  const log = captureLog()
  await createLogBackend({}, log.logger).send(makeDelivery(withLoneSurrogates))
  const notification = log.lines()[0]?.notification as Record<string, unknown>
  const replaced = 'high \ufffd, low \ufffd, reversed \ufffd\ufffd, pair 😀'
  t.equal(notification.title, `Pulse ${replaced}`)
  t.equal(notification.description, replaced)
  t.equal(notification.applicationName, `shop ${replaced}`)
  t.same(notification.accounts, [replaced])
  t.match(notification.ips, [{ city: replaced }])
  t.notMatch(JSON.stringify(notification), /\\ud[89a-f]/, 'no surrogate escape in the line')
})

test('missing facts are null', async (t) => {
  const log = captureLog()
  await createLogBackend({}, log.logger).send(makeDelivery(samples.httpScan))
  t.match(log.lines()[0], {
    notification: { description: null, applicationName: null, ips: [{ city: 'Paris' }] }
  })
})
