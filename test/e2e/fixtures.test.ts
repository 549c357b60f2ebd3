import { test } from 'tap'
import { contentKey } from '../../src/notifications/content-key.js'
import { normalize } from '../../src/notifications/normalize.js'
import { emailRecipients, postSigned, smsNumbers, startRelay } from '../fixtures/relay.js'
import { fixtureItems, listFixtures, readFixture } from '../fixtures/sqreen.js'

test('every fixture reaches slack, e-mail and sms', async (t) => {
  const relay = await startRelay({ label: 'e2e-fixtures' })
  t.teardown(relay.close)

  const keys = new Set<string>()
  const titles: string[] = []
  for (const name of listFixtures()) {
    const response = await postSigned(relay, readFixture(name))
    t.equal(response.status, 200, name)
    for (const item of fixtureItems(name)) {
      const key = contentKey(item)
      if (keys.has(key)) continue
      keys.add(key)
      titles.push(normalize(item).title)
    }
  }
  const count = keys.size

  const slack = await relay.slack.waitFor(count, 20_000)
  const mails = await relay.smtp.waitFor(count, 20_000)
  const texts = await relay.twilio.waitFor(count * smsNumbers.length, 20_000)
  t.equal(slack.length, count, 'one Slack message per notification')
  t.equal(mails.length, count, 'one e-mail per notification')
  t.equal(texts.length, count * smsNumbers.length, 'one SMS per notification and number')

  for (const mail of mails) {
    t.same(mail.envelopeTo.sort(), [...emailRecipients].sort())
    t.ok(mail.subject.length > 0, 'the subject is set')
    t.ok(mail.text.length > 0, 'the text part is set')
    t.ok(mail.html.length > 0, 'the HTML part is set')
  }
  for (const text of texts) {
    t.ok(smsNumbers.includes(text.to))
    t.equal(text.from, '+15005550006')
  }
  const slackTexts = slack.map((message) => JSON.stringify(message))
  for (const title of titles) {
    const shown = title.slice(0, 30).replace(/[&<>"\\]/g, '')
    t.ok(slackTexts.some((text) => text.includes(shown.slice(0, 20))), `Slack shows "${title}"`)
    t.ok(mails.some((mail) => mail.text.includes(shown.slice(0, 20))), `e-mail shows "${title}"`)
  }

  const http = relay.consumer?.http
  t.ok(http, 'the consumer serves HTTP')
  const metrics = (await http?.inject({ method: 'GET', url: '/metrics' }))?.body ?? ''
  t.match(metrics, new RegExp(`sqreen_relay_deliveries_total\\{receiver="slack",outcome="delivered"\\} ${count}`))
  t.match(metrics, new RegExp(`sqreen_relay_notifications_routed_total ${count}`))
  t.match(metrics, /sqreen_relay_delivery_latency_seconds_count\{receiver="sms"\} \d+/)
  t.match(metrics, /sqreen_relay_queue_messages\{queue="test-e2e-fixtures-\w+\.route"\} 0/)
  t.match(metrics, /sqreen_relay_broker_connected 1/)
  t.equal((await http?.inject({ method: 'GET', url: '/readyz' }))?.statusCode, 200)
  t.equal((await http?.inject({ method: 'GET', url: '/healthz' }))?.statusCode, 200)
  const missing = await http?.inject({ method: 'GET', url: '/status?x=1' })
  t.equal(missing?.statusCode, 404)
  t.equal(missing?.headers['x-frame-options'], 'DENY', 'the consumer sends the security headers')
  t.same(missing?.json(), {
    error: 'Not Found',
    code: 'RELAY_NOT_FOUND',
    message: 'No route GET /status: the consumer serves GET /healthz, /readyz and /metrics'
  })
  const brokenBody = await http?.inject({ method: 'POST', url: '/healthz', payload: '{"broken', headers: { 'content-type': 'application/json' } })
  t.equal(brokenBody?.json().code, 'RELAY_NOT_FOUND', 'a body the consumer does not read is not parsed')
})
