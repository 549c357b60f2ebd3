import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as delay } from 'node:timers/promises'
import { test } from 'tap'
import { postSigned, startRelay } from '../fixtures/relay.js'
import { startSlackStub } from '../fixtures/slack-stub.js'
import { readFixture } from '../fixtures/sqreen.js'

const routes = `
receivers:
  log:
    type: log
  security-slack:
    type: slack
    webhook_url: \${SECURITY_SLACK_URL}
  integrations:
    type: slack
    webhook_url: \${INTEGRATIONS_SLACK_URL}
  admins-slack:
    type: slack
    webhook_url_file: \${CREDENTIALS_DIRECTORY}/admins-slack-url
  admins-email:
    type: email
    smtp_url: \${ADMINS_SMTP_URL}
    from: sqreen-relay@example.com
    to: [alice@example.com, bob@example.com]
  oncall-sms:
    type: sms
    account_sid: \${TWILIO_ACCOUNT_SID}
    auth_token: \${TWILIO_AUTH_TOKEN}
    from: '+15005550006'
    to: \${ONCALL_PHONES}
    api_url: \${TWILIO_API_URL}
routes:
  - name: sqreen-test
    match: { type: test }
    receivers: [integrations]
  - name: admin-app
    match:
      - application_name: montres-berger
      - application_id: 601366f227a5d5001fe83586
    receivers: [admins-slack, admins-email]
    continue: true
  - name: production-account-takeover
    match:
      - { type: pulse, pulse_genre: account_takeover, environment: production }
      - { type: account_takeover, environment: production }
    receivers: [oncall-sms, security-slack]
  - name: default
    receivers: [log]
`

const receivers = ['log', 'security-slack', 'integrations', 'admins-slack', 'admins-email', 'oncall-sms']

test('routes file sends each alert to its people', async (t) => {
  const security = await startSlackStub()
  const integrations = await startSlackStub()
  const adminsSlack = await startSlackStub()
  t.teardown(async () => { await Promise.all([security.close(), integrations.close(), adminsSlack.close()]) })
  const directory = mkdtempSync(join(tmpdir(), 'relay-routes-'))
  writeFileSync(join(directory, 'routes.yml'), routes)
  writeFileSync(join(directory, 'admins-slack-url'), `${adminsSlack.url}\n`)

  const relay = await startRelay({
    label: 'routes',
    receivers,
    withoutConsumer: true,
    env: {
      ROUTES_FILE: join(directory, 'routes.yml'),
      CREDENTIALS_DIRECTORY: directory,
      SECURITY_SLACK_URL: security.url,
      INTEGRATIONS_SLACK_URL: integrations.url,
      ONCALL_PHONES: '+15005550001'
    }
  })
  t.teardown(relay.close)
  relay.env.ADMINS_SMTP_URL = relay.smtp.url
  await relay.startConsumer()

  const post = async (name: string): Promise<void> => {
    t.equal((await postSigned(relay, readFixture(name))).status, 200, name)
  }
  await post('pulse_v1__akshaysharma096_Sqreen-Engineering-Challenge.json')
  await security.waitFor(1, 10_000)
  await relay.twilio.waitFor(1, 10_000)
  const alert = JSON.stringify(security.received[0])
  t.match(alert, /account takeover/i, 'Slack names the event')
  t.match(alert, /APPLICATION/, 'Slack names the application')
  t.match(alert, /production/, 'Slack names the environment')
  t.match(alert, /https:\/\/my\.sqreen\.com\/application\/5dd058775c3feb0021c0bb43\/pulses/, 'Slack links to Sqreen')
  t.match(relay.twilio.received[0]?.body, /account takeover/i, 'the SMS names the event')

  await post('test_v1__kapeed2091_workorders.json')
  await integrations.waitFor(1, 10_000)

  await post('http_scan_v2__raphael-thibierge_sqreen_webhooks_to_sms.json')
  await adminsSlack.waitFor(1, 10_000)
  const mails = await relay.smtp.waitFor(1, 10_000)
  t.match(JSON.stringify(adminsSlack.received[0]), /213\.245\.178\.46/, 'the admins see the source IP')
  t.match(mails[0]?.text, /213\.245\.178\.46/, 'the e-mail shows the source IP')

  await delay(1000)
  t.equal(security.received.length, 1, 'security Slack got only the account takeover')
  t.equal(relay.twilio.received.length, 1, 'on-call SMS got only the account takeover')
  t.equal(integrations.received.length, 1, 'integrations got only the test notification')
  t.equal(adminsSlack.received.length, 1, 'admins Slack got only their application')
  t.equal(relay.smtp.received.length, 1, 'admins e-mail got only their application')
  t.equal(relay.slack.received.length, 0, 'the env Slack receiver is not used with a routes file')
})
