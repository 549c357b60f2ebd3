import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { test } from 'tap'
import { runCheckConfig, type CheckConfigOptions } from '../../src/commands/check-config.js'
import { fixtureDir } from '../fixtures/sqreen.js'

/** Runs the command and returns its exit code and everything it wrote. */
async function run (options: Omit<CheckConfigOptions, 'write'>): Promise<{ code: number, output: string }> {
  let output = ''
  const code = await runCheckConfig({ ...options, write: (text) => { output += text } })
  return { code, output }
}

const pulseOnly = 'receivers:\n  ops: { type: log }\nroutes:\n  - { name: pulses, match: { type: pulse }, receivers: [ops] }\n'

test('environment routing is printed', async (t) => {
  const { code, output } = await run({ env: { SLACK_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/secret' } })
  t.equal(code, 0)
  t.match(output, /^The configuration is valid\.\nRouting comes from the environment, because ROUTES_FILE is not set\.\n/)
  t.match(output, 'Warning: SQREEN_WEBHOOK_SECRET is not set or contains no secret, so the server will not start.')
  t.match(output, /slack +slack +https:\/\/hooks\.slack\.com\/\[redacted\]/)
  t.match(output, '1. default: every notification no route above took -> log, slack')
  t.notMatch(output, /secret$/m, 'the Slack path is not printed')
})

test('warning when the secret is empty', async (t) => {
  for (const secret of ['', ' , ']) {
    const { code, output } = await run({ env: { SQREEN_WEBHOOK_SECRET: secret } })
    t.equal(code, 0, JSON.stringify(secret))
    t.match(output, 'Warning: SQREEN_WEBHOOK_SECRET is not set or contains no secret', JSON.stringify(secret))
  }
})

test('no warning when the secret is set', async (t) => {
  const { code, output } = await run({ env: { SQREEN_WEBHOOK_SECRET: 's' } })
  t.equal(code, 0)
  t.notMatch(output, /Warning/)
})

test('explain shows receivers and routes', async (t) => {
  const dir = t.testdir({ 'routes.yml': pulseOnly })
  const explainFile = join(fixtureDir, 'security_event_v2__fousti_sqreened_app.json')
  const { code, output } = await run({ env: { ROUTES_FILE: join(dir, 'routes.yml') }, explainFile })
  t.equal(code, 0)
  t.match(output, `Routing comes from ${join(dir, 'routes.yml')}.`)
  t.match(output, `\nNotifications of ${explainFile}:\n` +
    '  #0 security_event -> no receiver: no route matched, so the consumer dead-letters it\n' +
    '  #1 security_event -> no receiver: no route matched, so the consumer dead-letters it\n')
})

test('explain accepts a single object', async (t) => {
  const dir = t.testdir({ 'routes.yml': pulseOnly, 'pulse.json': '{"sqreen_payload_type": "pulse"}' })
  const { code, output } = await run({
    env: { ROUTES_FILE: join(dir, 'routes.yml') },
    explainFile: join(dir, 'pulse.json')
  })
  t.equal(code, 0)
  t.match(output, '  #0 pulse -> ops (route pulses)\n')
})

test('explain uses the example routes', async (t) => {
  const routesFile = fileURLToPath(new URL('../../examples/routes.yml', import.meta.url))
  const dir = t.testdir({ 'admins-slack-webhook-url': 'https://hooks.slack.com/services/T0/B0/a\n' })
  const env = {
    ROUTES_FILE: routesFile,
    SLACK_SECURITY_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/s',
    SLACK_INTEGRATIONS_WEBHOOK_URL: 'https://hooks.slack.com/services/T0/B0/i',
    CREDENTIALS_DIRECTORY: dir,
    SMTP_PASSWORD: 'p',
    TWILIO_ACCOUNT_SID: 'AC1',
    TWILIO_AUTH_TOKEN: 't',
    ONCALL_PHONES: '+33612345678',
    SIEM_WEBHOOK_SECRET: 's'
  }
  const explainFile = join(fixtureDir, 'pulse_v1__akshaysharma096_Sqreen-Engineering-Challenge.json')
  const { code, output } = await run({ env, explainFile })
  t.equal(code, 0)
  t.match(output, '  #0 pulse -> oncall-sms, security-slack (route production-account-takeover)\n')
})

test('explain rejects bodies like the server', async (t) => {
  const cases = [
    {
      name: 'one invalid item rejects the batch',
      body: JSON.stringify([{ sqreen_payload_type: 'pulse' }, { message_type: 'test' }]),
      message: '/1/message is missing; '
    },
    { name: 'an item that is no object', body: '[{"sqreen_payload_type": "pulse"}, "text"]', message: '/1 must be object; ' },
    { name: 'a single object', body: '{"message": {}}', message: '/sqreen_payload_type is missing; ' },
    { name: 'neither object nor array', body: '42', message: 'the body must be array; ' },
    { name: 'too many items', body: JSON.stringify(Array(1001).fill({ sqreen_payload_type: 'test' })), message: 'the body must NOT have more than 1000 items; ' },
    {
      name: 'nesting too deep',
      body: `[{"sqreen_payload_type": "test"}, {"sqreen_payload_type": "test", "x": ${'['.repeat(70)}${']'.repeat(70)}}]`,
      message: '/1 is nested deeper than 64 levels\n'
    }
  ]
  for (const { name, body, message } of cases) {
    const dir = t.testdir({ 'routes.yml': pulseOnly, 'body.json': body })
    const explainFile = join(dir, 'body.json')
    const { code, output } = await run({ env: { ROUTES_FILE: join(dir, 'routes.yml') }, explainFile })
    t.equal(code, 1, name)
    t.equal(output.startsWith(`error: the server would reject ${explainFile} with 422: ${message}`), true, `${name}: ${output}`)
  }
})

test('explain rejects bodies the server would not read', async (t) => {
  const dir = t.testdir({
    'routes.yml': pulseOnly,
    'latin1.json': Buffer.from('[{"sqreen_payload_type":"te\xffst"}]', 'latin1'),
    'large.json': `[{"sqreen_payload_type":"pulse","x":"${'a'.repeat(2048)}"}]`,
    'limit.json': `[{"sqreen_payload_type":"pulse","x":"${'a'.repeat(1024 - 40)}"}]`
  })
  const env = { ROUTES_FILE: join(dir, 'routes.yml'), BODY_LIMIT: '1024' }

  const latin1 = await run({ env, explainFile: join(dir, 'latin1.json') })
  t.equal(latin1.code, 1, 'invalid UTF-8')
  t.equal(latin1.output, `error: the server would reject ${join(dir, 'latin1.json')} with 400: its bytes are not valid UTF-8\n`)

  const large = await run({ env, explainFile: join(dir, 'large.json') })
  t.equal(large.code, 1, 'over BODY_LIMIT')
  t.equal(large.output, `error: the server would reject ${join(dir, 'large.json')} with 413: it is larger than BODY_LIMIT (1024 bytes)\n`)

  const limit = await run({ env, explainFile: join(dir, 'limit.json') })
  t.equal(limit.code, 0, 'a body of exactly BODY_LIMIT')

  const endless = await run({ env, explainFile: '/dev/zero' })
  t.equal(endless.code, 1, 'an endless file')
  t.match(endless.output, 'with 413')
})

test('explain escapes a broken file', async (t) => {
  const dir = t.testdir({ 'routes.yml': pulseOnly, 'body.json': '\u001b]0;title\u0007\u001b[2Jnot json' })
  const { code, output } = await run({ env: { ROUTES_FILE: join(dir, 'routes.yml') }, explainFile: join(dir, 'body.json') })
  t.equal(code, 1)
  t.match(output, '\\u001b]0;title\\u0007')
  t.notMatch(output, /[\u0000-\u0009\u000b-\u001f]/, 'no control character but line breaks')
})

test('explain lists every item of a batch', async (t) => {
  const dir = t.testdir({
    'routes.yml': pulseOnly,
    'batch.json': JSON.stringify([{ sqreen_payload_type: 'pulse' }, { message_type: 'test', message: {} }])
  })
  const { code, output } = await run({ env: { ROUTES_FILE: join(dir, 'routes.yml') }, explainFile: join(dir, 'batch.json') })
  t.equal(code, 0)
  t.match(output, '  #0 pulse -> ops (route pulses)\n')
  t.match(output, '  #1 test -> no receiver: no route matched, so the consumer dead-letters it\n')
})

test('errors exit with code 1', async (t) => {
  const dir = t.testdir({
    'routes.yml': pulseOnly,
    'bad-routes.yml': 'receivers:\n  ops: { type: pager }\nroutes:\n  - receivers: [ops]\n',
    'broken.json': '[{"sqreen_payload_type": '
  })
  const routesFile = join(dir, 'routes.yml')
  const cases = [
    { name: 'invalid variable', env: { PORT: 'abc' }, message: /^error: PORT must be an integer in decimal digits, such as 3000 \(got "abc"\)\n$/ },
    {
      name: 'partial e-mail settings',
      env: { SMTP_URL: 'smtp://mail.example.com' },
      message: /^error: EMAIL_FROM, EMAIL_TO are not set, but SMTP_URL is: /
    },
    {
      name: 'invalid routes file',
      env: { ROUTES_FILE: join(dir, 'bad-routes.yml') },
      message: /^error: invalid routes:\n.*bad-routes\.yml: \/receivers\/ops: unknown receiver type "pager"/
    },
    {
      name: 'missing explain file',
      env: { ROUTES_FILE: routesFile },
      explainFile: join(dir, 'missing.json'),
      message: /^error: cannot read .*missing\.json \(ENOENT\); check the path given to explain\n$/
    },
    {
      name: 'explain file not JSON',
      env: { ROUTES_FILE: routesFile },
      explainFile: join(dir, 'broken.json'),
      message: /^error: .*broken\.json is not valid JSON: /
    }
  ]
  for (const { name, env, explainFile, message } of cases) {
    const { code, output } = await run({ env, explainFile })
    t.equal(code, 1, `${name}: exit code`)
    t.match(output, message, `${name}: message`)
  }
})
