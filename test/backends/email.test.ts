import { test, type Test } from 'tap'
import { classifySmtpError, createEmailBackend, deliveryMessageId, type EmailOptions } from '../../backends/email.js'
import type { DeliveryError } from '../../src/errors.js'
import { renderEmail } from '../../src/render/email.js'
import { captureLog } from '../fixtures/log-capture.js'
import { hostile, makeDelivery, samples } from '../fixtures/notifications.js'
import { startSmtpSink, type SmtpSinkOptions } from '../fixtures/smtp-sink.js'

const recipients = ['oncall@example.com', 'security@example.com']

async function setup (t: Test, options: Partial<EmailOptions> = {}, sinkOptions: SmtpSinkOptions = {}) {
  const sink = await startSmtpSink(sinkOptions)
  t.teardown(sink.close)
  const log = captureLog()
  const backend = createEmailBackend({
    smtpUrl: sink.url,
    from: 'relay@example.com',
    to: recipients,
    timeoutMs: 2000,
    ...options
  }, log.logger)
  t.teardown(async () => await backend.close?.())
  return { sink, log, backend }
}

test('sends one message to every recipient', async (t) => {
  const { sink, backend } = await setup(t)
  await backend.send(makeDelivery(samples.securityEventV1))
  t.equal(backend.name, 'email')
  const [mail] = await sink.waitFor(1)
  const expected = renderEmail(samples.securityEventV1)
  t.equal(sink.received.length, 1, 'one message')
  t.same(mail?.envelopeTo, recipients)
  t.equal(mail?.envelopeFrom, 'relay@example.com')
  t.equal(mail?.to, recipients.join(', '))
  t.equal(mail?.subject, expected.subject)
  t.equal(mail?.text.trim(), expected.text.trim())
  t.equal(mail?.html.trim(), expected.html.trim())
  t.equal(mail?.responseCode, 250)
})

test('every attempt of a delivery has the same Message-ID', async (t) => {
  const { sink, backend } = await setup(t, { from: 'Sqreen Relay <relay@alerts.example.com>' })
  const delivery = makeDelivery(samples.securityEventV1, { messageId: 'a1b2', receiver: 'sec ops' })
  await backend.send(delivery)
  await backend.send({ ...delivery, attempt: 2 })
  await backend.send({ ...delivery, receiver: 'admins' })
  const mails = await sink.waitFor(3)
  t.equal(mails[0]?.messageId, '<a1b2.sec-ops@alerts.example.com>')
  t.equal(mails[1]?.messageId, mails[0]?.messageId, 'a retry is the same message')
  t.equal(mails[2]?.messageId, '<a1b2.admins@alerts.example.com>', 'each receiver has its own')
})

test('a Message-ID without a sender domain stays valid', async (t) => {
  t.equal(deliveryMessageId({ messageId: 'm', receiver: 'r' }, 'relay'), '<m.r@sqreen-relay.invalid>')
})

test('hostile text arrives escaped', async (t) => {
  const { sink, backend } = await setup(t)
  await backend.send(makeDelivery(hostile))
  const [mail] = await sink.waitFor(1)
  t.notOk(mail?.html.includes('<script>'), 'no script in HTML')
  t.ok(mail?.html.includes('&lt;script&gt;'))
  t.notMatch(mail?.subject ?? '', /[\r\n\u0000\u202e]/, 'subject clean')
})

test('4xx is retryable', async (t) => {
  const { sink, backend } = await setup(t)
  sink.respondWith({ code: 451, message: 'Try again later' })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: true,
    status: 451,
    message: /^SMTP delivery failed: .*451 Try again later/
  })
  await backend.send(makeDelivery(samples.pulse))
  t.equal(sink.received.length, 2)
})

test('5xx is permanent', async (t) => {
  const { sink, backend } = await setup(t)
  sink.respondWith({ code: 552, message: 'Message too large' })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: false,
    status: 552,
    message: /552 Message too large/
  })
})

test('wrong password is permanent', async (t) => {
  const sink = await startSmtpSink()
  t.teardown(sink.close)
  const log = captureLog()
  const smtpUrl = sink.url.replace(sink.password, 'wrong-password-42')
  const backend = createEmailBackend({ smtpUrl, from: 'relay@example.com', to: recipients }, log.logger)
  const error = await backend.send(makeDelivery(samples.pulse)).catch((error: unknown) => error) as Error
  t.match(error, { retryable: false, status: 535 })
  t.notOk(error.message.includes('wrong-password-42'), 'password not in the error')
  t.equal(sink.received.length, 0)
})

test('connection refused is retryable', async (t) => {
  const sink = await startSmtpSink()
  await sink.close()
  const backend = createEmailBackend({
    smtpUrl: sink.url,
    from: 'relay@example.com',
    to: recipients
  }, captureLog().logger)
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: true,
    status: undefined,
    message: /^SMTP delivery failed: .*ECONNREFUSED/
  })
})

test('rejected recipient fails for good', async (t) => {
  const { sink, backend } = await setup(t, {}, { rejectedRecipients: ['security@example.com'] })
  await t.rejects(backend.send(makeDelivery(samples.pulse)), {
    retryable: false,
    status: 550,
    completed: ['oncall@example.com'],
    message: 'SMTP server rejected 1 of 2 recipients: Recipient command failed: 550 No such user here'
  })
  const [mail] = await sink.waitFor(1)
  t.same(mail?.envelopeTo, ['oncall@example.com'], 'the others get the message')
})

test('retry writes only to rejected recipients', async (t) => {
  const { sink, backend } = await setup(t)
  sink.rejectRecipient('security@example.com', { code: 451, message: '4.7.1 Greylisted, try again later' })
  const delivery = makeDelivery(samples.pulse)
  const failure = await backend.send(delivery).then(() => null, (err: DeliveryError) => err)
  t.equal(failure?.retryable, true, 'a 4xx rejection is retried')
  t.equal(failure?.status, 451)
  t.same(failure?.completed, ['oncall@example.com'])

  await backend.send({ ...delivery, attempt: 2, completed: failure?.completed ?? [] })
  const [first, second] = await sink.waitFor(2)
  t.same(first?.envelopeTo, ['oncall@example.com'])
  t.same(second?.envelopeTo, ['security@example.com'])
  t.equal(second?.to, recipients.join(', '), 'the To header lists everyone')
  t.equal(second?.messageId, first?.messageId, 'the same message')
})

test('complete delivery sends nothing', async (t) => {
  const { sink, backend } = await setup(t)
  await backend.send(makeDelivery(samples.pulse, { completed: recipients }))
  t.equal(sink.received.length, 0)
})

test('one entry may list several recipients', async (t) => {
  const { sink, backend } = await setup(t, { to: ['On call <oncall@example.com>, security@example.com', 'cto@example.com'] })
  await backend.send(makeDelivery(samples.pulse, { completed: ['security@example.com'] }))
  const [mail] = await sink.waitFor(1)
  t.same(mail?.envelopeTo, ['oncall@example.com', 'cto@example.com'])
})

test('template replaces subject and text', async (t) => {
  const template = { subject: 'Sqreen alert: {{title}}', text: 'See {{url}}' }
  const { sink, backend } = await setup(t, { template })
  await backend.send(makeDelivery(samples.pulse))
  const [mail] = await sink.waitFor(1)
  t.equal(mail?.subject, 'Sqreen alert: Massive account takeover attempts on user@example.com')
  t.equal(mail?.text.trim(), `See ${samples.pulse.url ?? ''}`)
})

test('SMTP password stays out of logs', async (t) => {
  const { sink, log, backend } = await setup(t)
  sink.respondWith({ code: 554, message: 'Rejected' })
  await backend.send(makeDelivery(samples.pulse)).catch(() => {})
  await backend.send(makeDelivery(samples.pulse))
  t.ok(log.lines().length >= 2, 'backend logged')
  t.notOk(log.text().includes(sink.password))
})

test('SMTP failures are classified', async (t) => {
  const cases: Array<[unknown, boolean, number | undefined]> = [
    [{ code: 'ECONNECTION', message: 'Connection closed' }, true, undefined],
    [{ code: 'ETIMEDOUT', message: 'Timeout' }, true, undefined],
    [{ code: 'EENVELOPE', message: 'No recipients defined' }, false, undefined],
    [{ code: 'EAUTH', responseCode: 454, message: 'Temporary auth failure' }, true, 454],
    [{ code: 'EAUTH', responseCode: 535, message: 'Invalid login' }, false, 535],
    [{ code: 'EMESSAGE', responseCode: 421, message: 'Closing' }, true, 421],
    [{ message: 'unknown' }, true, undefined],
    ['a string', true, undefined]
  ]
  for (const [failure, retryable, status] of cases) {
    const error = classifySmtpError(failure)
    t.equal(error.retryable, retryable, JSON.stringify(failure))
    t.equal(error.status, status)
  }
  t.equal(classifySmtpError({ message: 'bad\r\n\u0000line' }).message, 'SMTP delivery failed: bad line')
})
