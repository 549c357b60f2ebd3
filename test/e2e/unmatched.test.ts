import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'tap'
import { topologyNames } from '../../src/broker/topology.js'
import { runCli } from '../../src/cli.js'
import { queueDepth, waitForDepth } from '../fixtures/broker.js'
import { captureCli } from '../fixtures/cli.js'
import { postSigned, startRelay } from '../fixtures/relay.js'
import { waitUntil } from '../fixtures/server.js'
import { readFixture } from '../fixtures/sqreen.js'

const onlyPulses = `
receivers:
  slack:
    type: slack
    webhook_url: \${SLACK_WEBHOOK_URL}
routes:
  - match: { type: pulse }
    receivers: [slack]
`

const everything = `
receivers:
  slack:
    type: slack
    webhook_url: \${SLACK_WEBHOOK_URL}
routes:
  - receivers: [slack]
`

test('unmatched notification is parked, then replayed', async (t) => {
  const directory = mkdtempSync(join(tmpdir(), 'relay-unmatched-'))
  const routesFile = join(directory, 'routes.yml')
  writeFileSync(routesFile, onlyPulses)
  const logs: Array<Record<string, unknown>> = []
  const relay = await startRelay({ label: 'unmatched', receivers: ['slack'], env: { ROUTES_FILE: routesFile }, logs })
  t.teardown(relay.close)
  const deadLetters = topologyNames(relay.prefix).deadLetters

  t.equal((await postSigned(relay, readFixture('test_v1__kapeed2091_workorders.json'))).status, 200)
  await waitForDepth(deadLetters, 1)
  t.equal(await queueDepth(deadLetters), 1, 'the notification is parked')
  const metrics = (await relay.consumer?.http.inject({ method: 'GET', url: '/metrics' }))?.body ?? ''
  t.match(metrics, /sqreen_relay_notifications_unmatched_total\{type="test"\} 1/)

  const io = captureCli(relay.env)
  const output = io.output
  t.equal(await runCli(['dead-letters', 'list', '--json'], io), 0)
  const letter = JSON.parse(output.join('').trim()) as Record<string, unknown>
  t.equal(letter.receiver, '')
  t.equal(letter.kind, 'unmatched')
  t.match(letter.lastError, /no route matched a test notification/)
  t.match(letter.notification, { sqreen_payload_type: 'test' })

  // A replay before the fix parks the message again, once, and returns.
  output.length = 0
  t.equal(await runCli(['dead-letters', 'replay', '--receiver', ''], io), 0)
  t.match(output.join(''), /1 message\(s\) replayed/)
  await waitUntil(() => logs.filter((line) => line.msg === 'no route matched, notification moved to dead letters').length === 2,
    10_000, 'the second parking')
  t.equal(await queueDepth(deadLetters), 1, 'parked again')

  // Purging one of two parked messages removes exactly one.
  t.equal((await postSigned(relay, readFixture('test_v1__kapeed2091_workorders__2.json'))).status, 200)
  await waitUntil(() => logs.filter((line) => line.msg === 'no route matched, notification moved to dead letters').length === 3,
    10_000, 'the third parking')
  t.equal(await queueDepth(deadLetters), 2)
  output.length = 0
  t.equal(await runCli(['dead-letters', 'purge', '--receiver', '', '--limit', '1'], io), 0)
  t.match(output.join(''), /1 message\(s\) purged/)
  t.equal(await queueDepth(deadLetters), 1, 'one message is left')

  // The operator fixes the routes file and restarts the consumer.
  writeFileSync(routesFile, everything)
  await relay.stopConsumer()
  await relay.startConsumer()
  output.length = 0
  t.equal(await runCli(['dead-letters', 'replay', '--receiver', ''], io), 0)
  t.match(output.join(''), /1 message\(s\) replayed/)
  await relay.slack.waitFor(1, 10_000)
  await waitUntil(() => relay.slack.received.length === 1)
  t.equal(await queueDepth(deadLetters), 0, 'nothing is left parked')
})

test('dead letters limit is checked', async (t) => {
  const io = captureCli({})
  const output = io.output
  t.equal(await runCli(['dead-letters', 'list', '--limit', 'many'], io), 1)
  t.match(output.join(''), /--limit must be a whole number in decimal digits, got "many"/)
  output.length = 0
  for (const limit of ['0x10', '1e1', ' 5', '+5']) {
    t.equal(await runCli(['dead-letters', 'list', '--limit', limit], io), 1, limit)
    t.match(output.join(''), `--limit must be a whole number in decimal digits, got "${limit}"`, limit)
    output.length = 0
  }
  t.equal(await runCli(['dead-letters', 'list', '--limit', '0'], io), 1)
  t.match(output.join(''), /--limit must be at least 1/)
  output.length = 0
  t.equal(await runCli(['dead-letters', 'list'], { ...io, env: { AMQP_URL: 'amqp://guest:guest@127.0.0.1:1' } }), 1)
  t.match(output.join(''), /cannot connect to RabbitMQ at amqp:\/\/guest:redacted@127\.0\.0\.1:1/)
  output.length = 0
  t.equal(await runCli(['dead-letters', 'list'], { ...io, env: { PORT: 'x' } }), 1)
  t.match(output.join(''), /invalid configuration: PORT must be an integer in decimal digits/)
})
