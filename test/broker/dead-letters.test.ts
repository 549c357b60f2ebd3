import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import type { Channel, ChannelModel } from 'amqplib'
import { test, type Test } from 'tap'
import { headers } from '../../src/broker/messages.js'
import { assertDelivery, assertIngest, deliveryQueue, topologyNames } from '../../src/broker/topology.js'
import { runCli } from '../../src/cli.js'
import { amqpUrl, deleteTopology, openConnection, uniquePrefix } from '../fixtures/broker.js'
import { captureCli } from '../fixtures/cli.js'

const run = promisify(execFile)

/*
 * The dead-letters commands against parked messages published straight to
 * a real dead-letter queue. The only configured receiver is `log`.
 */

interface Parked {
  prefix: string
  env: NodeJS.ProcessEnv
  connection: ChannelModel
  channel: Channel
}

async function park (t: Test, receivers: string[]): Promise<Parked> {
  const prefix = uniquePrefix('dead-letters')
  const names = topologyNames(prefix)
  const connection = await openConnection()
  const channel = await connection.createChannel()
  t.teardown(async () => {
    await connection.close().catch(() => {})
    await deleteTopology({ prefix, receivers: ['log'], tiersMs: [1000] })
  })
  await assertIngest(channel, names)
  await assertDelivery(channel, names, { receivers: ['log'], retryTiersMs: [1000] })
  receivers.forEach((receiver, index) => {
    channel.sendToQueue(names.deadLetters, Buffer.from(`{"sqreen_payload_type":"test","n":${index}}`), {
      messageId: `message-${index}`,
      persistent: true,
      headers: {
        [headers.receiver]: receiver,
        [headers.attempts]: 1,
        [headers.errorKind]: 'permanent',
        [headers.lastError]: `failure ${index}`
      }
    })
  })
  await waitForDepth(channel, names.deadLetters, receivers.length)
  return { prefix, env: { AMQP_URL: amqpUrl, AMQP_PREFIX: prefix, RETRY_TIERS_MS: '1000' }, connection, channel }
}

async function waitForDepth (channel: Channel, queue: string, count: number): Promise<void> {
  for (let tries = 0; tries < 100; tries++) {
    if ((await channel.checkQueue(queue)).messageCount === count) return
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  throw new Error(`${queue} did not reach ${count} messages`)
}

async function cli (env: NodeJS.ProcessEnv, args: string[]): Promise<{ code: number, output: string }> {
  const io = captureCli(env)
  const code = await runCli(['dead-letters', ...args], io)
  return { code, output: io.output.join('') }
}

/** Message ids in queue order, read with the JSON listing. */
async function order (env: NodeJS.ProcessEnv): Promise<string[]> {
  const { output } = await cli(env, ['list', '--json', '--limit', '1000'])
  return output.trim().split('\n').map((line) => (JSON.parse(line) as { messageId: string }).messageId)
}

test('list leaves the queue in its order', async (t) => {
  const { env } = await park(t, ['log', 'log', 'log', 'log'])
  const before = await order(env)
  t.same(before, ['message-0', 'message-1', 'message-2', 'message-3'])
  const first = await cli(env, ['list', '--limit', '1'])
  const second = await cli(env, ['list', '--limit', '1'])
  t.match(first.output, /message=message-0/)
  t.match(first.output, /note: 3 more matching message\(s\) left as they are, past --limit 1; raise --limit/)
  t.match(second.output, /message=message-0/, 'a second list shows the same oldest message')
  t.same(await order(env), before)
})

test('list does not count as a redelivery', async (t) => {
  const { env, prefix, channel } = await park(t, ['log'])
  for (let run = 0; run < 3; run++) await cli(env, ['list'])
  const message = await channel.get(topologyNames(prefix).deadLetters, { noAck: true })
  t.ok(message !== false, 'the message is still parked')
  if (message === false) return
  t.equal(message.fields.redelivered, false)
  t.notOk(message.properties.headers?.['x-delivery-count'], 'no delivery count')
  t.equal(message.properties.messageId, 'message-0')
  t.equal(message.properties.headers?.[headers.lastError], 'failure 0', 'headers are kept')
})

test('replay leaves messages of a receiver no longer configured parked', async (t) => {
  const { env, prefix, channel } = await park(t, ['gone', 'log'])
  const names = topologyNames(prefix)
  const replayed = await cli(env, ['replay'])
  t.equal(replayed.code, 0)
  t.match(replayed.output, /1 message\(s\) replayed/)
  t.notMatch(replayed.output, /note:/, 'no note when no limit applies')
  t.match(replayed.output, /warning: 1 message\(s\) left parked: no receiver named gone is configured/)
  await waitForDepth(channel, deliveryQueue(names, 'log'), 1)
  t.same(await order(env), ['message-0'], 'the message for gone is still parked')
})

test('replay needs a valid configuration', async (t) => {
  const { env } = await park(t, ['log'])
  const broken = { ...env, SLACK_WEBHOOK_URL: 'https://hooks.slack.example/x', ROUTES_FILE: '/nonexistent/routes.yml' }
  const replayed = await cli(broken, ['replay'])
  t.equal(replayed.code, 1)
  t.match(replayed.output, /error: invalid configuration: .*routes\.yml/)
  const listed = await cli(broken, ['list'])
  t.equal(listed.code, 0, 'list works without the routes')
})

test('a message over the delivery limit is parked, not dropped', async (t) => {
  const { env, prefix, connection, channel } = await park(t, [])
  const names = topologyNames(prefix)
  // RabbitMQ 4 sets a delivery limit of 20 on every quorum queue. A policy
  // sets a limit of 1 on this test's queues, so the test runs on any version.
  const policy = `${prefix}-delivery-limit`
  await run('rabbitmqctl', ['-q', 'set_policy', '--apply-to', 'queues', '--priority', '100', policy,
    `^${prefix.replaceAll('.', '\\.')}\\.deliver\\.`, '{"delivery-limit": 1}'])
  t.teardown(async () => { await run('rabbitmqctl', ['-q', 'clear_policy', policy]) })

  channel.sendToQueue(deliveryQueue(names, 'log'), Buffer.from('{"sqreen_payload_type":"test"}'), {
    messageId: 'over-limit',
    persistent: true,
    headers: { [headers.receiver]: 'log' }
  })
  // A consumer that dies without acknowledging, again and again, until the
  // message is no longer in the delivery queue.
  for (let round = 0; round < 5; round++) {
    const reader = await connection.createChannel()
    const message = await reader.get(deliveryQueue(names, 'log'), { noAck: false })
    await reader.close()
    if (message === false) break
  }
  await waitForDepth(channel, names.deadLetters, 1)
  const { output } = await cli(env, ['list'])
  t.match(output, /log\s+unknown\s+attempts=0\s+delivery-limit\s+message=over-limit/)
  t.match(output, /more redeliveries than the queue's delivery limit/)
})

test('a walk over several batches keeps every message in order', async (t) => {
  const receivers = Array.from({ length: 250 }, () => 'log')
  const { env } = await park(t, receivers)
  const listed = await cli(env, ['list', '--limit', '2'])
  t.match(listed.output, /2 message\(s\) listed/)
  t.same(await order(env), receivers.map((_, index) => `message-${index}`))
  const replayed = await cli(env, ['replay', '--limit', '120'])
  t.match(replayed.output, /120 message\(s\) replayed/)
  t.match(replayed.output, /note: 130 more matching message\(s\)/)
  t.same(await order(env), receivers.slice(120).map((_, index) => `message-${index + 120}`), 'the rest stay, in order')
})
