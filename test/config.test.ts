import { test } from 'tap'
import { loadConfig, serverConfigSchema, retryTiers, splitList } from '../src/config.js'

test('defaults apply when the environment is empty', async (t) => {
  const config = loadConfig({})
  t.equal(config.AMQP_URL, 'amqp://guest:guest@127.0.0.1:5672')
  t.equal(config.PORT, 3000)
  t.equal(config.BODY_LIMIT, 1048576)
  t.equal(config.DEDUP_WINDOW_SECONDS, 600)
})

test('missing secret is named', async (t) => {
  t.throws(() => loadConfig({}, serverConfigSchema), {
    code: 'RELAY_CONFIG_INVALID',
    message: /SQREEN_WEBHOOK_SECRET is required/
  })
})

test('invalid value is named with its value', async (t) => {
  t.throws(() => loadConfig({ PORT: 'abc' }), { message: /PORT must be integer \(got "abc"\)/ })
})

test('secret values are not echoed', async (t) => {
  t.throws(() => loadConfig({ SLACK_WEBHOOK_URL: 'hooks.slack.com/x' }), {
    message: /SLACK_WEBHOOK_URL must match pattern "\^https\?:\/\/" \(got "\[redacted\]"\)/
  })
})

test('retry tiers are sorted and unique', async (t) => {
  t.same(retryTiers(loadConfig({ RETRY_TIERS_MS: '5000,1000,5000' })), [1000, 5000])
})

test('lists are split on commas', async (t) => {
  t.same(splitList(' a@x.example, b@x.example ,'), ['a@x.example', 'b@x.example'])
  t.same(splitList(undefined), [])
})

test('empty values count as unset', async (t) => {
  const config = loadConfig({ SLACK_WEBHOOK_URL: '', PORT: '' })
  t.equal(config.SLACK_WEBHOOK_URL, undefined)
  t.equal(config.PORT, 3000)
})

test('amqp url must be amqp or amqps', async (t) => {
  t.throws(() => loadConfig({ AMQP_URL: 'http://127.0.0.1:5672' }), { message: /AMQP_URL must match pattern/ })
  t.equal(loadConfig({ AMQP_URL: 'amqps://broker.example:5671' }).AMQP_URL, 'amqps://broker.example:5671')
})
