import { test } from 'tap'
import { loadConfig } from '../../src/config.js'
import { normalize } from '../../src/notifications/normalize.js'
import { routingFromEnv } from '../../src/routing/env.js'

const slack = { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/x' }
const email = {
  SMTP_URL: 'smtp://mail.example.com:25',
  EMAIL_FROM: 'relay@example.com',
  EMAIL_TO: 'a@example.com, b@example.com'
}
const sms = {
  TWILIO_ACCOUNT_SID: 'AC0123',
  TWILIO_AUTH_TOKEN: 'token',
  TWILIO_FROM: '+15005550006',
  SMS_TO: '+33612345678,+33698765432'
}

test('empty environment routes to the log', async (t) => {
  const table = routingFromEnv(loadConfig({}))
  t.same(table.receivers, [{ name: 'log', type: 'log' }])
  t.same(table.route(normalize({ sqreen_payload_type: 'test' })), ['log'])
  t.same(table.routes?.map((route) => route.name), ['default'])
})

test('every configured channel gets every notification', async (t) => {
  const table = routingFromEnv(loadConfig({ ...slack, ...email, ...sms, TWILIO_API_URL: 'http://127.0.0.1:9999' }))
  t.same(table.receivers, [
    { name: 'log', type: 'log' },
    { name: 'slack', type: 'slack', webhookUrl: slack.SLACK_WEBHOOK_URL },
    {
      name: 'email',
      type: 'email',
      smtpUrl: email.SMTP_URL,
      from: email.EMAIL_FROM,
      to: ['a@example.com', 'b@example.com']
    },
    {
      name: 'sms',
      type: 'sms',
      accountSid: 'AC0123',
      authToken: 'token',
      from: '+15005550006',
      to: ['+33612345678', '+33698765432'],
      apiUrl: 'http://127.0.0.1:9999'
    }
  ])
  const pulse = normalize({ sqreen_payload_type: 'pulse', environment: 'production' })
  t.same(table.route(pulse), ['log', 'slack', 'email', 'sms'])
})

test('Twilio API URL has a default', async (t) => {
  const table = routingFromEnv(loadConfig(sms))
  const receiver = table.receivers.find((spec) => spec.type === 'sms')
  t.equal(receiver?.type === 'sms' ? receiver.apiUrl : undefined, 'https://api.twilio.com')
})

const partialGroups = [
  {
    name: 'e-mail without recipients',
    env: { SMTP_URL: email.SMTP_URL, EMAIL_FROM: email.EMAIL_FROM },
    message: 'EMAIL_TO is not set, but SMTP_URL, EMAIL_FROM are: the e-mail receiver needs all of ' +
      'SMTP_URL, EMAIL_FROM, EMAIL_TO; set the missing variables, or unset the others to disable it'
  },
  {
    name: 'e-mail with only recipients',
    env: { EMAIL_TO: email.EMAIL_TO },
    message: /^SMTP_URL, EMAIL_FROM are not set, but EMAIL_TO is: /
  },
  {
    name: 'SMS without token',
    env: { ...sms, TWILIO_AUTH_TOKEN: undefined },
    message: /^TWILIO_AUTH_TOKEN is not set, but TWILIO_ACCOUNT_SID, TWILIO_FROM, SMS_TO are: the SMS receiver/
  },
  {
    name: 'SMS with a local number',
    env: { ...sms, SMS_TO: '+33612345678, 0612345678' },
    message: 'SMS_TO must be a comma-separated list of E.164 numbers such as +33612345678 (got "0612345678")'
  },
  {
    name: 'e-mail from an invalid sender',
    env: { ...email, EMAIL_FROM: 'not-an-address' },
    message: 'EMAIL_FROM must be an e-mail address such as alerts@example.com (got "not-an-address")'
  },
  {
    name: 'e-mail to an address without domain',
    env: { ...email, EMAIL_TO: 'alice@example.com, bob@' },
    message: 'EMAIL_TO must be a comma-separated list of e-mail addresses (got "bob@")'
  },
  {
    name: 'e-mail without a valid address',
    env: { ...email, EMAIL_TO: ' , , ' },
    message: 'EMAIL_TO must be a comma-separated list of e-mail addresses'
  }
]

test('partly configured channels are rejected', async (t) => {
  for (const { name, env, message } of partialGroups) {
    t.throws(() => routingFromEnv(loadConfig(env)), { code: 'RELAY_CONFIG_INVALID', message }, name)
  }
})
