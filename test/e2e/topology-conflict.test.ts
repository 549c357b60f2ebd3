import { test, type Test } from 'tap'
import { deliveryQueue, topologyNames } from '../../src/broker/topology.js'
import { startConsumer } from '../../src/consumer.js'
import { amqpUrl, deleteTopology, openConnection, uniquePrefix } from '../fixtures/broker.js'
import { startBrokerProxy } from '../fixtures/broker-proxy.js'
import { captureLog } from '../fixtures/log-capture.js'
import { signedHeaders, startServer, waitUntil } from '../fixtures/server.js'

/*
 * A queue that exists with other arguments, here a classic queue where the
 * relay declares a quorum queue, makes every declaration fail with a
 * channel error. The programs must log the fix and keep retrying, not
 * exit, and recover once the queue is gone.
 */

async function declareClassicQueue (t: Test, queue: string): Promise<() => Promise<void>> {
  const connection = await openConnection()
  t.teardown(async () => { await connection.close().catch(() => {}) })
  const channel = await connection.createChannel()
  await channel.assertQueue(queue, { durable: true })
  return async () => { await channel.deleteQueue(queue) }
}

test('consumer retries while a queue conflicts, then recovers', async (t) => {
  const prefix = uniquePrefix('conflict-consumer')
  t.teardown(async () => { await deleteTopology({ prefix, receivers: ['log'], tiersMs: [1000] }) })
  const removeConflict = await declareClassicQueue(t, deliveryQueue(topologyNames(prefix), 'log'))
  const log = captureLog()
  const consumer = await startConsumer({
    env: { AMQP_URL: amqpUrl, AMQP_PREFIX: prefix, CONSUMER_PORT: '0', RETRY_TIERS_MS: '1000' },
    logger: log.logger
  })
  t.teardown(consumer.close)
  const failed = (): Array<Record<string, unknown>> => log.lines().filter((line) => line.msg === 'broker connection failed')
  await waitUntil(() => failed().length >= 2, 15_000, 'two failed set-ups')
  t.match(failed()[0], { level: 50, fix: /exists with other settings/ })
  t.equal(consumer.consumer.ready, false, 'not ready while the queue conflicts')

  await removeConflict()
  await waitUntil(() => consumer.consumer.ready, 20_000, 'the consumer to recover')
  t.pass('the consumer recovered without a restart')
})

test('server retries while a queue conflicts, then recovers', async (t) => {
  const prefix = uniquePrefix('conflict-server')
  t.teardown(async () => { await deleteTopology({ prefix }) })
  const removeConflict = await declareClassicQueue(t, topologyNames(prefix).route)
  const server = await startServer({ AMQP_PREFIX: prefix })
  t.teardown(async () => { await server.close() })
  const body = '[{"sqreen_payload_type": "test"}]'
  const post = async (): Promise<number> =>
    (await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })).statusCode

  await new Promise((resolve) => setTimeout(resolve, 1000))
  t.equal(server.amqp.ready, false, 'not ready while the queue conflicts')
  t.equal(await post(), 503)
  t.equal((await server.inject({ method: 'GET', url: '/readyz' })).statusCode, 503)

  await removeConflict()
  await waitUntil(() => server.amqp.ready, 20_000, 'the server to recover')
  t.equal(await post(), 200)
})

test('connections reset during set-up are retried, not fatal', async (t) => {
  const prefix = uniquePrefix('reset-setup')
  const receivers = ['log']
  t.teardown(async () => { await deleteTopology({ prefix, receivers, tiersMs: [1000] }) })
  const proxy = await startBrokerProxy(t)
  // The handshake takes well under 1000 bytes from the client; the queue
  // declarations of the set-up come after it.
  proxy.resetNext(3, 1000)
  const log = captureLog()
  const consumer = await startConsumer({
    env: { AMQP_URL: proxy.url, AMQP_PREFIX: prefix, CONSUMER_PORT: '0', RETRY_TIERS_MS: '1000' },
    logger: log.logger
  })
  t.teardown(consumer.close)
  await waitUntil(() => consumer.consumer.ready, 30_000, 'the consumer after three resets')
  t.equal(proxy.resets, 3, 'three set-ups were cut by a reset')

  // The server's whole set-up sends about 850 bytes, its handshake fewer
  // than 780.
  proxy.resetNext(2, 780)
  const server = await startServer({ AMQP_PREFIX: prefix, AMQP_URL: proxy.url })
  t.teardown(async () => { await server.close() })
  await waitUntil(() => server.amqp.ready, 30_000, 'the server after two resets')
  t.equal(proxy.resets, 5)
})
