import { createServer, type AddressInfo } from 'node:net'
import { test } from 'tap'
import { sign } from '../../src/signature.js'
import { spawnEntry, waitForExit, waitForOutput } from '../fixtures/faults.js'
import { startRelay } from '../fixtures/relay.js'
import { secret } from '../fixtures/server.js'
import { readFixture } from '../fixtures/sqreen.js'

test('start runs server and consumer together', async (t) => {
  const relay = await startRelay({ label: 'cli-start', withoutConsumer: true })
  t.teardown(relay.close)
  const cli = spawnEntry('src/cli.ts', { ...relay.env, LOG_LEVEL: 'info' }, ['start'])
  t.teardown(() => { cli.kill('SIGKILL') })
  await waitForOutput(cli, /consumer started/)
  const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(cli.output.join(''))?.[1]
  t.ok(port, 'the server listens')
  const ready = async (): Promise<boolean> =>
    (await fetch(`http://127.0.0.1:${port ?? ''}/readyz`).catch(() => null))?.status === 200
  const deadline = Date.now() + 10_000
  while (!await ready() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50))

  const body = readFixture('pulse_v1__akshaysharma096_Sqreen-Engineering-Challenge.json')
  const response = await fetch(`http://127.0.0.1:${port ?? ''}/v1/webhook`, {
    method: 'POST',
    body: new Uint8Array(body),
    headers: { 'content-type': 'application/json', 'x-sqreen-integrity': sign(body, secret) }
  })
  t.equal(response.status, 200)
  await relay.slack.waitFor(1, 10_000)

  cli.kill('SIGTERM')
  t.equal(await waitForExit(cli), 0, 'SIGTERM stops both and exits 0')
  t.match(cli.output.join(''), /"signal":"SIGTERM"/)
})

test('serve without a secret names the variable', async (t) => {
  const cli = spawnEntry('src/cli.ts', { SQREEN_WEBHOOK_SECRET: '' }, ['serve'])
  t.equal(await waitForExit(cli), 78)
  t.match(cli.output.join(''), /invalid configuration: SQREEN_WEBHOOK_SECRET is required but not set/)
  t.notMatch(cli.output.join(''), /at .*\.ts:\d+/, 'no stack trace')
})

test('non-decimal ports stop start-up', async (t) => {
  const cases = [
    { command: 'serve', env: { SQREEN_WEBHOOK_SECRET: 's', PORT: '0x10' }, line: 'PORT must be an integer in decimal digits, such as 3000 (got "0x10")' },
    { command: 'consume', env: { CONSUMER_PORT: '1e3' }, line: 'CONSUMER_PORT must be an integer in decimal digits, such as 9464 (got "1e3")' }
  ]
  for (const { command, env, line } of cases) {
    const cli = spawnEntry('src/cli.ts', env, [command])
    t.equal(await waitForExit(cli), 78, `${command}: exit code`)
    t.equal(cli.output.join(''), `sqreen-relay: invalid configuration: ${line}\n`, `${command}: one line`)
  }
})

test('zero retry tier stops the consumer', async (t) => {
  const cli = spawnEntry('src/cli.ts', { RETRY_TIERS_MS: '1000,0' }, ['consume'])
  t.equal(await waitForExit(cli), 78)
  t.equal(cli.output.join(''), 'sqreen-relay: invalid configuration: RETRY_TIERS_MS must be a comma-separated ' +
    'list of delays in milliseconds, each at least 10 (got "1000,0")\n')
})

test('start checks the consumer settings first', async (t) => {
  const cli = spawnEntry('src/cli.ts', { SQREEN_WEBHOOK_SECRET: 's', PORT: '0', EMAIL_TO: 'x@example.com' }, ['start'])
  t.equal(await waitForExit(cli), 78)
  t.match(cli.output.join(''), /SMTP_URL/)
  t.notMatch(cli.output.join(''), /Server listening/, 'the server never listened')
})

test('consume with a partial e-mail group names the variables', async (t) => {
  const cli = spawnEntry('src/cli.ts', { SMTP_URL: 'smtp://127.0.0.1:1', EMAIL_FROM: '', EMAIL_TO: '' }, ['consume'])
  t.equal(await waitForExit(cli), 78)
  t.match(cli.output.join(''), /EMAIL_FROM/)
  t.match(cli.output.join(''), /EMAIL_TO/)
})

test('busy port names the variables', async (t) => {
  const blocker = createServer()
  await new Promise<void>((resolve) => { blocker.listen(0, '127.0.0.1', resolve) })
  t.teardown(() => { blocker.close() })
  const port = String((blocker.address() as AddressInfo).port)
  const server = spawnEntry('src/cli.ts', { SQREEN_WEBHOOK_SECRET: 's', PORT: port, AMQP_PREFIX: 'busy-port' }, ['serve'])
  t.equal(await waitForExit(server), 78)
  t.match(server.output.join(''), new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port} \\(EADDRINUSE\\): set HOST and PORT`))
  const consumer = spawnEntry('src/cli.ts', { CONSUMER_PORT: port, AMQP_PREFIX: 'busy-port' }, ['consume'])
  t.equal(await waitForExit(consumer), 78)
  t.match(consumer.output.join(''), /set CONSUMER_HOST and CONSUMER_PORT/)
})

test('a closed output pipe ends the CLI quietly', async (t) => {
  const cli = spawnEntry('src/cli.ts', {}, ['--help'])
  // The reader goes away before the CLI writes, as `| head -0` would.
  cli.stdout?.destroy()
  t.equal(await waitForExit(cli), 0)
  t.notMatch(cli.output.join(''), /EPIPE|Error/)
})
