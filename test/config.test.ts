import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import Fastify from 'fastify'
import { test } from 'tap'
import configPlugin from '../plugins/config.js'
import { configSchema, loadConfig, serverConfigSchema, retryTiers, splitList } from '../src/config.js'

/** Name and default of every integer variable. */
const integerVariables = Object.entries(configSchema.properties).flatMap(([name, property]) =>
  property.type === 'integer' ? [{ name, fallback: property.default }] : [])

/** Values that are not plain decimal digits, though Number() or ajv's type coercion reads most of them. */
const nonDecimalIntegers = [
  '0x10', '0o17', '0b11', '1e3', ' 12', '12 ', '\t12', '+5', '-0', '-1', '12.0', '1_000', 'Infinity', '１２'
]

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
  t.throws(() => loadConfig({ PORT: 'abc' }), {
    message: 'PORT must be an integer in decimal digits, such as 3000 (got "abc")'
  })
})

test('integer variables accept only decimal digits', async (t) => {
  const names = integerVariables.map(({ name }) => name)
  t.ok(names.includes('PORT'), 'PORT is an integer variable')
  t.ok(names.includes('CONSUMER_PORT'), 'CONSUMER_PORT is an integer variable')
  t.ok(names.includes('BODY_LIMIT'), 'BODY_LIMIT is an integer variable')
  for (const { name, fallback } of integerVariables) {
    for (const value of nonDecimalIntegers) {
      const message = `${name} must be an integer in decimal digits, such as ${fallback} (got ${JSON.stringify(value)})`
      t.throws(() => loadConfig({ [name]: value }), { code: 'RELAY_CONFIG_INVALID', message }, `${name}=${JSON.stringify(value)}`)
    }
  }
})

test('server config plugin accepts only decimal digits', async (t) => {
  const secret = { SQREEN_WEBHOOK_SECRET: 'test-secret' }
  for (const { name, fallback } of integerVariables) {
    for (const value of nonDecimalIntegers) {
      const server = Fastify()
      const start = async (): Promise<void> => { await server.register(configPlugin, { env: { ...secret, [name]: value } }).ready() }
      const message = `${name} must be an integer in decimal digits, such as ${fallback} (got ${JSON.stringify(value)})`
      await t.rejects(start, { code: 'RELAY_CONFIG_INVALID', message }, `${name}=${JSON.stringify(value)}`)
      await server.close()
    }
  }
  const server = Fastify()
  t.teardown(async () => { await server.close() })
  await server.register(configPlugin, { env: { ...secret, PORT: '0016' } }).ready()
  t.equal(server.config.PORT, 16)
})

test('integer variables read decimal digits', async (t) => {
  for (const { name, fallback } of integerVariables) {
    const config = loadConfig({ [name]: String(fallback) }) as Record<string, unknown>
    t.equal(config[name], fallback, name)
  }
  t.equal(loadConfig({ PORT: '0' }).PORT, 0)
  t.equal(loadConfig({ PORT: '08080' }).PORT, 8080, 'leading zeros are decimal, not octal')
})

test('integer beyond the safe range is rejected', async (t) => {
  t.throws(() => loadConfig({ BODY_LIMIT: '99999999999999999999' }), {
    message: 'BODY_LIMIT must be <= 9007199254740991 (got "99999999999999999999")'
  })
  t.throws(() => loadConfig({ PORT: '99999999999999999999' }), {
    message: 'PORT must be <= 65535 (got "99999999999999999999")'
  })
})

test('every invalid variable is named in one line', async (t) => {
  const error = t.throws(() => loadConfig({ PORT: '0x10', RETRY_AFTER_SECONDS: '1e3' })) as Error
  t.equal(error.message, 'PORT must be an integer in decimal digits, such as 3000 (got "0x10"); ' +
    'RETRY_AFTER_SECONDS must be an integer in decimal digits, such as 5 (got "1e3")')
})

test('invalid URLs are shown without credentials', async (t) => {
  const cases = [
    { env: { SLACK_WEBHOOK_URL: 'hooks.slack.com/services/T0/B0/secret' }, shown: 'hooks.slack.com/[redacted]' },
    { env: { SMTP_URL: 'mail.example.com' }, shown: 'mail.example.com' },
    { env: { SMTP_URL: 'relay:password@mail.example.com:587' }, shown: '[redacted]@mail.example.com:587' },
    { env: { TWILIO_API_URL: 'ftp://user:password@api.example/path?q' }, shown: 'ftp://[redacted]@api.example/[redacted]' }
  ]
  for (const { env, shown } of cases) {
    const name = Object.keys(env).join()
    const error = t.throws(() => loadConfig(env)) as Error
    t.match(error.message, `(got "${shown}")`, name)
    t.notMatch(error.message, /secret|password/, `${name}: no credential in the message`)
  }
})

test('URLs the clients cannot use are rejected', async (t) => {
  const cases = [
    { env: { SMTP_URL: 'smtp://127.0.0.1:99999' }, shown: 'smtp://127.0.0.1:99999' },
    { env: { SLACK_WEBHOOK_URL: 'https://hooks.slack.com:99999/services/T0/B0/x' }, shown: 'https://hooks.slack.com:99999/[redacted]' },
    { env: { TWILIO_API_URL: 'http://[x' }, shown: 'http://[x' }
  ]
  for (const { env, shown } of cases) {
    const name = Object.keys(env).join()
    t.throws(() => loadConfig(env), {
      code: 'RELAY_CONFIG_INVALID',
      message: `${name} is not a valid URL: check the host, the port (at most 65535) and the percent-encoding ` +
        `of the path and the user and password (got "${shown}")`
    }, name)
  }
})

test('long prefix is rejected', async (t) => {
  const prefix = 'a'.repeat(101)
  t.throws(() => loadConfig({ AMQP_PREFIX: prefix }), {
    message: `AMQP_PREFIX must be at most 100 characters long (got "${prefix}")`
  })
  t.equal(loadConfig({ AMQP_PREFIX: prefix.slice(1) }).AMQP_PREFIX, prefix.slice(1), '100 characters')
})

test('secret values are not echoed', async (t) => {
  const schema = { type: 'object', properties: { TWILIO_AUTH_TOKEN: { type: 'string', minLength: 32 } } } as const
  t.throws(() => loadConfig({ TWILIO_AUTH_TOKEN: 'short-token' }, schema), {
    message: 'TWILIO_AUTH_TOKEN must NOT have fewer than 32 characters (got "[redacted]")'
  })
})

test('retry tiers are sorted and unique', async (t) => {
  t.same(retryTiers(loadConfig({ RETRY_TIERS_MS: '5000,1000,5000' })), [1000, 5000])
})

test('retry tiers below 10 ms are rejected', async (t) => {
  for (const value of ['0', '0,1000', '1000,0', '9', '1000,9', '00', '000', '-10', '1000,,5000', '1000, 5000', '1e3']) {
    t.throws(() => loadConfig({ RETRY_TIERS_MS: value }), {
      code: 'RELAY_CONFIG_INVALID',
      message: `RETRY_TIERS_MS must be a comma-separated list of delays in milliseconds, each at least 10 (got ${JSON.stringify(value)})`
    }, JSON.stringify(value))
  }
})

test('retry tiers of 10 ms or more are accepted', async (t) => {
  t.same(retryTiers(loadConfig({ RETRY_TIERS_MS: '10' })), [10])
  t.same(retryTiers(loadConfig({ RETRY_TIERS_MS: '010,100,1000' })), [10, 100, 1000])
  t.same(retryTiers(loadConfig({})), [1000, 5000, 30000, 120000, 600000, 1800000], 'the default')
})

test('retry base delay has the tier minimum', async (t) => {
  t.throws(() => loadConfig({ RETRY_BASE_DELAY_MS: '9' }), { message: 'RETRY_BASE_DELAY_MS must be >= 10 (got "9")' })
  t.equal(loadConfig({ RETRY_BASE_DELAY_MS: '10' }).RETRY_BASE_DELAY_MS, 10)
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
  t.throws(() => loadConfig({ AMQP_URL: 'http://127.0.0.1:5672' }), { message: /AMQP_URL must be an amqp:\/\/ or amqps:\/\/ URL/ })
  t.equal(loadConfig({ AMQP_URL: 'amqps://broker.example:5671' }).AMQP_URL, 'amqps://broker.example:5671')
})

test('amqp url must be usable', async (t) => {
  const cases = [
    { url: 'amqp://127.0.0.1:notaport', message: 'AMQP_URL is not a valid URL: check the host, the port and the percent-encoding of the user and password' },
    { url: 'amqps://rabbit:99999', message: /^AMQP_URL is not a valid URL/ },
    { url: 'amqp://guest:guest@127.0.0.1?heartbeat=abc', message: 'AMQP_URL option heartbeat must be an integer in decimal digits (got "abc")' },
    { url: 'amqp://rabbit/?frameMax=1e5', message: /option frameMax/ }
  ]
  for (const { url, message } of cases) {
    t.throws(() => loadConfig({ AMQP_URL: url }), { code: 'RELAY_CONFIG_INVALID', message }, url)
  }
  for (const url of ['amqp://', 'amqps://user:p%40ss@rabbit:5671/relay?heartbeat=30&frameMax=131072']) {
    t.equal(loadConfig({ AMQP_URL: url }).AMQP_URL, url, url)
  }
})

test('every pattern error says what to write', async (t) => {
  const patterned = Object.entries(configSchema.properties)
    .filter(([, property]) => 'pattern' in property)
    .map(([name]) => name)
  t.ok(patterned.length >= 6)
  for (const name of patterned) {
    const error = t.throws(() => loadConfig({ [name]: 'not valid!' })) as Error
    t.match(error.message, new RegExp(`^${name} must `), name)
    t.notMatch(error.message, /match pattern/, name)
  }
})

test('an enum error lists the values', async (t) => {
  t.throws(() => loadConfig({ LOG_LEVEL: 'verbose' }), {
    message: 'LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "verbose")'
  })
})

test('delays above the timer limit are rejected', async (t) => {
  for (const name of ['PUBLISH_TIMEOUT_MS', 'DELIVERY_TIMEOUT_MS', 'RETRY_BASE_DELAY_MS', 'SHUTDOWN_TIMEOUT_MS']) {
    t.throws(() => loadConfig({ [name]: '2147483648' }), { message: `${name} must be <= 2147483647 (got "2147483648")` }, name)
    t.equal(loadConfig({ [name]: '2147483647' })[name as 'SHUTDOWN_TIMEOUT_MS'], 2147483647, name)
  }
  t.throws(() => loadConfig({ RETRY_TIERS_MS: '1000,2147483648' }), {
    message: 'RETRY_TIERS_MS must be a comma-separated list of delays in milliseconds, each at most 2147483647 (got "1000,2147483648")'
  })
  t.same(loadConfig({ RETRY_TIERS_MS: '1000,2147483647' }).RETRY_TIERS_MS, '1000,2147483647')
})

test('.env.example lists every variable', async (t) => {
  const example = readFileSync(fileURLToPath(new URL('../.env.example', import.meta.url)), 'utf8')
  const listed = new Set([...example.matchAll(/^#? ?([A-Z][A-Z0-9_]*)=/gm)].map((match) => match[1]))
  for (const name of Object.keys(configSchema.properties)) t.ok(listed.has(name), name)
})
