import { test } from 'tap'
import { headers } from '../../src/broker/messages.js'
import { ConfirmPublisher } from '../../src/broker/publisher.js'
import { assertDelivery, deliveryQueue, retryQueue, topologyNames } from '../../src/broker/topology.js'
import { deleteTopology, openConnection, queueDepth, uniquePrefix } from '../fixtures/broker.js'

const tiersMs = [60_000, 120_000, 300_000]

test('a retry lands in one tier only', async (t) => {
  const prefix = uniquePrefix('tiers')
  const names = topologyNames(prefix)
  const connection = await openConnection()
  t.teardown(async () => {
    await connection.close()
    await deleteTopology({ prefix, receivers: ['slack'], tiersMs })
  })
  const channel = await connection.createConfirmChannel()
  await assertDelivery(channel, names, { receivers: ['slack'], retryTiersMs: tiersMs })
  const publisher = new ConfirmPublisher(channel)
  await publisher.publish(names.retry, 'slack', Buffer.from('{}'), {
    messageId: 'm1',
    headers: { [headers.retryTier]: '120000', 'x-request-id': 'r1' }
  })
  t.equal(await queueDepth(retryQueue(names, 120_000)), 1)
  t.equal(await queueDepth(retryQueue(names, 60_000)), 0)
  t.equal(await queueDepth(retryQueue(names, 300_000)), 0)
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
