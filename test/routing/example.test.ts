import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { loadRoutesFile } from '../../src/routing/file.js'
import { explain, formatRoutingTable } from '../../src/routing/table.js'
import { fixtureItems, listFixtures } from '../fixtures/sqreen.js'

const exampleFile = fileURLToPath(new URL('../../examples/routes.yml', import.meta.url))

function exampleEnv (): NodeJS.ProcessEnv {
  const credentials = mkdtempSync(join(tmpdir(), 'relay-credentials-'))
  writeFileSync(join(credentials, 'admins-slack-webhook-url'), 'https://hooks.slack.com/services/T0/B0/admins\n')
  return {
    SLACK_SECURITY_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/security',
    SLACK_INTEGRATIONS_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/integrations',
    CREDENTIALS_DIRECTORY: credentials,
    SMTP_PASSWORD: 'smtp-password',
    TWILIO_ACCOUNT_SID: 'AC0123',
    TWILIO_AUTH_TOKEN: 'twilio-token',
    ONCALL_PHONES: '+33612345678, +33698765432',
    SIEM_WEBHOOK_SECRET: 'siem-secret',
    AMQP_URL: 'amqp://relay:broker-password@127.0.0.1:5672'
  }
}

const testOnly = { receivers: ['integrations'], routes: ['sqreen-test'] }
const admins = { receivers: ['admins-slack', 'admins-email'], routes: ['admin-app'] }
const fallback = { receivers: ['log', 'siem'], routes: ['default'] }
const torOrBlocked = { receivers: ['siem', 'security-bus'], routes: ['tor-or-blocked'] }
const accountTakeover = {
  receivers: ['oncall-sms', 'security-slack'],
  routes: ['production-account-takeover']
}

/** Receivers and routes of each item of each captured body, under examples/routes.yml. */
const expected: Record<string, Array<{ receivers: string[], routes: string[] }>> = {
  'http_scan_v2__raphael-thibierge_sqreen_webhooks_to_sms.json': [admins],
  'pulse_v1__akshaysharma096_Sqreen-Engineering-Challenge.json': [accountTakeover],
  'security_event_v1__JordanP_my-flask.json': [fallback],
  'security_event_v1__akshaysharma096_Sqreen-Engineering-Challenge.json': [torOrBlocked],
  'security_event_v1__fahyik_sqreen-notifications-sink.json': [fallback],
  'security_event_v1__marinados_flask_test.json': [fallback],
  'security_event_v1__unidentified_sqreenhook-demo.json': [fallback],
  'security_event_v1__vhiairrassary_sqreentest__received-transcribed.json': [fallback],
  'security_event_v1__vhiairrassary_sqreentest__ui-sample-transcribed.json': [fallback],
  'security_event_v2__anna-git_SqreenDispatcher.json': [fallback],
  'security_event_v2__fousti_sqreened_app.json': [torOrBlocked, fallback],
  'security_event_v2__fousti_sqreened_app__min.json': [torOrBlocked, fallback],
  'security_event_v2__raphael-thibierge_sqreen_webhooks_to_sms.json': [admins],
  'security_event_v2__romainroufast_sqreen-application.json': [fallback],
  'security_response_v1__akshaysharma096_Sqreen-Engineering-Challenge.json': [fallback],
  'security_response_v1__docs.sqreen.com_builtin-security-responses__reconstructed.json': [fallback],
  'security_response_v2__loicbaron_sqreen.json': [fallback],
  'security_response_v2__raphael-thibierge_sqreen_webhooks_to_sms.json': [admins],
  'test_v1__kapeed2091_workorders.json': [testOnly],
  'test_v1__kapeed2091_workorders__2.json': [testOnly],
  'test_v1__vhiairrassary_sqreentest__transcribed.json': [testOnly],
  'test_v2__anna-git_SqreenDispatcher.json': [testOnly],
  'test_v2__raphael-thibierge_sqreen_webhooks_to_sms.json': [testOnly]
}

test('example routes file loads', async (t) => {
  const table = loadRoutesFile(exampleFile, exampleEnv())
  t.same(table.receivers.map((receiver) => receiver.name), [
    'log', 'security-slack', 'integrations', 'admins-slack', 'admins-email',
    'oncall-sms', 'siem', 'security-bus'
  ])
  t.same(table.routes?.map((route) => route.name), [
    'sqreen-test', 'admin-app', 'production-account-takeover',
    'risky-production', 'tor-or-blocked', 'default'
  ])
})

test('example file routes every fixture', async (t) => {
  const table = loadRoutesFile(exampleFile, exampleEnv())
  t.same(listFixtures(), Object.keys(expected).sort(), 'every fixture has expected routes')
  for (const name of listFixtures()) {
    const items = fixtureItems(name)
    const explained = explain(table, items)
    t.equal(explained.length, items.length, `${name}: one result per item`)
    explained.forEach((result, index) => {
      const want = expected[name]?.[index]
      t.same(result.receivers, want?.receivers, `${name} #${index}: receivers`)
      t.same(result.routes, want?.routes, `${name} #${index}: routes`)
    })
  }
})

test('test notifications reach only integrations', async (t) => {
  const table = loadRoutesFile(exampleFile, exampleEnv())
  const tests = listFixtures().filter((name) => name.startsWith('test_'))
  t.ok(tests.length >= 2, 'fixtures include test notifications')
  for (const name of tests) {
    for (const item of fixtureItems(name)) {
      t.same(explain(table, [item])[0]?.receivers, ['integrations'], name)
    }
  }
})

/**
 * Returns the captured v2 incident, retyped as an account takeover:
 * incidents name their application by id only and carry no environment.
 */
function accountTakeoverIncident (applicationId: string): Record<string, unknown> {
  const [scan] = fixtureItems('http_scan_v2__raphael-thibierge_sqreen_webhooks_to_sms.json')
  const message = { ...(scan?.message as Record<string, unknown>), application_id: applicationId }
  return { ...scan, message_type: 'account_takeover', message }
}

test('v2 account takeover pages on-call by application id', async (t) => {
  const table = loadRoutesFile(exampleFile, exampleEnv())
  const production = accountTakeoverIncident('5fd7a1c03e2b4f0012c0ffee')
  const other = accountTakeoverIncident('5fca38cd4d2bfc001e0b60d4')
  const [paged, ignored] = explain(table, [production, other])
  t.same(paged?.receivers, ['oncall-sms', 'security-slack'], 'production application')
  t.same(ignored?.receivers, ['log', 'siem'], 'another application')
})

test('admin app events also follow later routes', async (t) => {
  const table = loadRoutesFile(exampleFile, exampleEnv())
  const pulse = {
    sqreen_payload_type: 'pulse',
    application_name: 'montres-berger',
    environment: 'production',
    pulse_genre: 'account_takeover'
  }
  const [result] = explain(table, [pulse])
  t.same(result?.routes, ['admin-app', 'production-account-takeover'])
  t.same(result?.receivers, ['admins-slack', 'admins-email', 'oncall-sms', 'security-slack'])
})

test('risky production goes on to tor route', async (t) => {
  const table = loadRoutesFile(exampleFile, exampleEnv())
  const event = {
    sqreen_payload_type: 'security_event',
    environment: 'prod-eu',
    risk: 80,
    ips: [{ address: '192.0.2.1', is_tor: true }]
  }
  const [result] = explain(table, [event])
  t.same(result?.routes, ['risky-production', 'tor-or-blocked'])
  t.same(result?.receivers, ['security-slack', 'siem', 'security-bus'])
})

/** Returns the routes file shown in the README's "Receivers and routes" section. */
function readmeRoutes (): string {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8')
  const section = readme.slice(readme.indexOf('## Receivers and routes'))
  const block = /```yaml\n([\s\S]*?)```/.exec(section)
  if (block?.[1] === undefined) throw new Error('README has no routes example')
  return block[1]
}

test('README routes example covers its cases', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'relay-readme-routes-'))
  const file = join(dir, 'routes.yml')
  writeFileSync(file, readmeRoutes())
  const table = loadRoutesFile(file, exampleEnv())
  const items = [
    'pulse_v1__akshaysharma096_Sqreen-Engineering-Challenge.json',
    'test_v2__anna-git_SqreenDispatcher.json',
    'security_event_v2__raphael-thibierge_sqreen_webhooks_to_sms.json'
  ].flatMap((name) => fixtureItems(name).slice(0, 1))
  items.push(accountTakeoverIncident('5fd7a1c03e2b4f0012c0ffee'))
  const [ato, testOnly, admin, v2ato] = explain(table, items)
  t.same(ato?.receivers, ['oncall-sms', 'security-slack'], 'production pulse pages on-call')
  t.same(testOnly?.receivers, ['integrations'], 'test notification')
  t.same(admin?.receivers, ['admins-slack', 'admins-email'], 'admin application')
  t.same(v2ato?.receivers, ['oncall-sms', 'security-slack'], 'v2 incident pages on-call')
})

test('example table output hides secrets', async (t) => {
  const env = exampleEnv()
  const text = formatRoutingTable(loadRoutesFile(exampleFile, env))
  for (const name of ['SMTP_PASSWORD', 'TWILIO_AUTH_TOKEN', 'SIEM_WEBHOOK_SECRET', 'SLACK_SECURITY_WEBHOOK_URL']) {
    t.notOk(text.includes(env[name] as string), `${name} is not printed`)
  }
  t.notOk(text.includes('broker-password'), 'the broker password is not printed')
  t.notOk(text.includes('/services/'), 'no Slack webhook path is printed')
  t.match(text, /oncall-sms\s+sms\s+from \+15005550006 to \+33612345678, \+33698765432/)
  t.match(text, /security-bus\s+amqp\s+exchange "security", routing key "sqreen.notification" on amqp:\/\/relay:redacted@127.0.0.1:5672/)
  t.match(text, /6\. default: every notification no route above took -> log, siem/)
})
