import { test } from 'tap'
import { startConsumer } from '../../src/consumer.js'
import { deleteTopology, uniquePrefix } from '../fixtures/broker.js'
import { connectionBlockedFrame, connectionUnblockedFrame, startBrokerProxy } from '../fixtures/broker-proxy.js'
import { captureLog } from '../fixtures/log-capture.js'
import { waitUntil } from '../fixtures/server.js'

test('a blocked broker makes the consumer unready, and it still stops', async (t) => {
  const prefix = uniquePrefix('blocked-consumer')
  const proxy = await startBrokerProxy(t)
  const log = captureLog()
  const env = { AMQP_URL: proxy.url, AMQP_PREFIX: prefix, CONSUMER_PORT: '0', RETRY_TIERS_MS: '1000', SHUTDOWN_TIMEOUT_MS: '60000' }
  const consumer = await startConsumer({ env, logger: log.logger })
  t.teardown(async () => { await deleteTopology({ prefix, receivers: ['log'], tiersMs: [1000] }) })
  await waitUntil(() => consumer.consumer.ready, 15_000, 'the consumer channels')

  proxy.inject(connectionBlockedFrame('low on disk'))
  await waitUntil(() => !consumer.consumer.ready, 10_000, 'the consumer to see the block')
  t.equal((await consumer.http.inject({ method: 'GET', url: '/readyz' })).statusCode, 503)
  t.ok(log.lines().some((line) => line.msg === 'broker blocked publishing' && line.reason === 'low on disk'))

  proxy.inject(connectionUnblockedFrame())
  await waitUntil(() => consumer.consumer.ready, 10_000, 'the consumer to see the unblock')

  // RabbitMQ stops reading from a blocked connection: nothing sent from
  // now on gets a response, so stopping must not wait for the broker.
  proxy.hold()
  proxy.inject(connectionBlockedFrame('low on disk'))
  await waitUntil(() => !consumer.consumer.ready, 10_000, 'the second block')
  await consumer.close()
  t.pass('the consumer stopped before the test timeout')
})

test('stopping is bounded when the broker stops responding without a block', async (t) => {
  const prefix = uniquePrefix('silent-broker')
  const proxy = await startBrokerProxy(t)
  const env = { AMQP_URL: proxy.url, AMQP_PREFIX: prefix, CONSUMER_PORT: '0', RETRY_TIERS_MS: '1000', SHUTDOWN_TIMEOUT_MS: '60000' }
  const consumer = await startConsumer({ env, logger: captureLog().logger })
  t.teardown(async () => { await deleteTopology({ prefix, receivers: ['log'], tiersMs: [1000] }) })
  await waitUntil(() => consumer.consumer.ready, 15_000, 'the consumer channels')
  // As when RabbitMQ blocks a connection that has not published yet: it
  // stops reading from it without sending connection.blocked.
  proxy.hold()
  const started = Date.now()
  await consumer.close()
  t.ok(Date.now() - started < 15_000, `the consumer stopped in ${Date.now() - started} ms`)
})
