import { test } from 'tap'
import { headers } from '../../src/broker/messages.js'
import { ConfirmPublisher } from '../../src/broker/publisher.js'
import { assertDelivery, deliveryQueue, retryKey, retryQueue, topologyNames } from '../../src/broker/topology.js'
import { deleteTopology, openConnection, queueDepth, uniquePrefix } from '../fixtures/broker.js'

const tiersMs = [60_000, 120_000, 300_000]

test('a retry lands in one queue only', async (t) => {
  const prefix = uniquePrefix('tiers')
  const names = topologyNames(prefix)
  const connection = await openConnection()
  t.teardown(async () => {
    await connection.close()
    await deleteTopology({ prefix, receivers: ['slack', 'sms'], tiersMs })
  })
  const channel = await connection.createConfirmChannel()
  await assertDelivery(channel, names, { receivers: ['slack', 'sms'], retryTiersMs: tiersMs })
  const publisher = new ConfirmPublisher(channel)
  await publisher.publish(names.retry, retryKey('slack', 120_000), Buffer.from('{}'), {
    messageId: 'm1',
    headers: { [headers.retryTier]: '120000', 'x-request-id': 'r1' }
  })
  t.equal(await queueDepth(retryQueue(names, 'slack', 120_000)), 1)
  for (const tier of [60_000, 300_000]) t.equal(await queueDepth(retryQueue(names, 'slack', tier)), 0)
  for (const tier of tiersMs) t.equal(await queueDepth(retryQueue(names, 'sms', tier)), 0, 'not in another receiver\'s queue')
  t.equal(await queueDepth(deliveryQueue(names, 'slack')), 0)
})

test('an expired retry returns to its receiver', async (t) => {
  const prefix = uniquePrefix('expiry')
  const names = topologyNames(prefix)
  const connection = await openConnection()
  t.teardown(async () => {
    await connection.close()
    await deleteTopology({ prefix, receivers: ['slack', 'sms'], tiersMs: [200] })
  })
  const channel = await connection.createConfirmChannel()
  await assertDelivery(channel, names, { receivers: ['slack', 'sms'], retryTiersMs: [200] })
  const publisher = new ConfirmPublisher(channel)
  await publisher.publish(names.retry, retryKey('sms', 200), Buffer.from('{}'), { messageId: 'm1', expiration: '100' })
  const deadline = Date.now() + 5000
  while (await queueDepth(deliveryQueue(names, 'sms')) === 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  t.equal(await queueDepth(deliveryQueue(names, 'sms')), 1)
  t.equal(await queueDepth(deliveryQueue(names, 'slack')), 0)
})

test('unroutable publish is rejected', async (t) => {
  const prefix = uniquePrefix('unroutable')
  const names = topologyNames(prefix)
  const connection = await openConnection()
  t.teardown(async () => {
    await connection.close()
    await deleteTopology({ prefix, receivers: ['slack'], tiersMs })
  })
  const channel = await connection.createConfirmChannel()
  await assertDelivery(channel, names, { receivers: ['slack'], retryTiersMs: tiersMs })
  const publisher = new ConfirmPublisher(channel)
  await t.rejects(publisher.publish(names.deliver, 'nobody', Buffer.from('{}'), { messageId: 'm1' }), {
    code: 'RELAY_PUBLISH_FAILED',
    message: /no queue is bound/
  })
  await t.resolves(publisher.publish(names.deliver, 'slack', Buffer.from('{}'), { messageId: 'm2' }))
  t.equal(publisher.inFlight, 0)
  await publisher.drain()
})
