import { EventEmitter } from 'node:events'
import { createServer } from 'node:net'
import type { ChannelModel } from 'amqplib'
import { pino } from 'pino'
import { test, type Test } from 'tap'
import { createAmqpBackend } from '../../backends/amqp.js'
import type { Delivery } from '../../backends/backend.js'
import { normalize } from '../../src/notifications/normalize.js'
import type { SqreenItem } from '../../src/notifications/types.js'
import { amqpUrl, openConnection, uniquePrefix } from '../fixtures/broker.js'
import { makeDelivery } from '../fixtures/notifications.js'
import { fixtureItems } from '../fixtures/sqreen.js'
import { listenOnLoopback } from '../fixtures/stub-helpers.js'

const logger = pino({ level: 'silent' })

function delivery (item: SqreenItem = { sqreen_payload_type: 'test' }): Delivery {
  return makeDelivery(normalize(item), { receiver: 'bus' })
}

interface Target {
  connection: ChannelModel
  exchange: string
  queue: string
  routingKey: string
}

/**
 * Declares an exchange and a queue bound to it on the test broker, deleted
 * at teardown. Fails the test when RabbitMQ cannot be reached.
 */
async function declareTarget (t: Test, queueArguments: Record<string, unknown> = {}): Promise<Target> {
  const connection = await openConnection()
  const prefix = uniquePrefix('amqp-backend')
  const exchange = `${prefix}.exchange`
  const queue = `${prefix}.queue`
  const routingKey = 'sqreen.notification'
  const channel = await connection.createChannel()
  await channel.assertExchange(exchange, 'direct', { durable: false })
  await channel.assertQueue(queue, { durable: false, arguments: queueArguments })
  await channel.bindQueue(queue, exchange, routingKey)
  t.teardown(async () => {
    await channel.deleteQueue(queue)
    await channel.deleteExchange(exchange)
    await connection.close()
  })
  return { connection, exchange, queue, routingKey }
}

test('message arrives with the delivery', async (t) => {
  const target = await declareTarget(t)
  const backend = createAmqpBackend({ url: amqpUrl, exchange: target.exchange, routingKey: target.routingKey }, logger)
  t.teardown(async () => await backend.close?.())
  const [item] = fixtureItems('pulse_v1__akshaysharma096_Sqreen-Engineering-Challenge.json')
  await backend.send(delivery(item))

  const channel = await target.connection.createChannel()
  const message = await channel.get(target.queue, { noAck: true })
  if (message === false) throw new Error('no message in the queue')
  const document = JSON.parse(message.content.toString('utf8'))
  t.same(document.raw, item)
  t.equal(document.notification.type, 'pulse')
  t.equal(document.notification.pulseGenre, 'account_takeover')
  t.notOk('raw' in document.notification)
  t.equal(document.receiver, 'bus')
  t.equal(document.message_id, 'message-1')
  t.equal(document.request_id, 'request-1')
  t.equal(message.properties.deliveryMode, 2, 'persistent')
  t.equal(message.properties.contentType, 'application/json')
  t.equal(message.properties.messageId, 'message-1')
  t.equal(message.properties.type, 'pulse')
  t.equal(message.properties.appId, 'sqreen-relay')
  t.equal(message.properties.timestamp, document.timestamp)
  t.equal(message.properties.headers?.['x-relay-receiver'], 'bus')
  t.equal(message.fields.routingKey, target.routingKey)
})

test('unroutable message is permanent', async (t) => {
  const target = await declareTarget(t)
  const backend = createAmqpBackend({ url: amqpUrl, exchange: target.exchange, routingKey: 'nobody.listens' }, logger)
  t.teardown(async () => await backend.close?.())
  await t.rejects(backend.send(delivery()), {
    code: 'RELAY_DELIVERY_FAILED',
    retryable: false,
    message: `No queue is bound to exchange "${target.exchange}" with routing key "nobody.listens": bind one, or fix the routing key`
  })
  await t.rejects(backend.send(delivery()), { code: 'RELAY_DELIVERY_FAILED', retryable: false }, 'the channel stays usable')
})

test('missing exchange is retryable and recovers', async (t) => {
  const target = await declareTarget(t)
  const exchange = `${target.exchange}.later`
  const backend = createAmqpBackend({ url: amqpUrl, exchange, routingKey: target.routingKey }, logger)
  t.teardown(async () => await backend.close?.())
  await t.rejects(backend.send(delivery()), {
    retryable: true,
    message: /did not accept the message for exchange ".*\.later" with routing key "sqreen.notification": .*NOT_FOUND - no exchange/
  })

  const channel = await target.connection.createChannel()
  await channel.assertExchange(exchange, 'direct', { durable: false, autoDelete: false })
  await channel.bindQueue(target.queue, exchange, target.routingKey)
  t.teardown(async () => await channel.deleteExchange(exchange))
  await backend.send(delivery())
  t.equal((await channel.checkQueue(target.queue)).messageCount, 1, 'the next send reconnects')
})

test('nacked message is retryable', async (t) => {
  const target = await declareTarget(t, { 'x-max-length': 0, 'x-overflow': 'reject-publish' })
  const backend = createAmqpBackend({ url: amqpUrl, exchange: target.exchange, routingKey: target.routingKey }, logger)
  t.teardown(async () => await backend.close?.())
  await t.rejects(backend.send(delivery()), {
    retryable: true,
    message: /did not accept the message for exchange ".*" with routing key "sqreen.notification": message nacked/
  })
})

test('unreachable broker is retryable', async (t) => {
  const server = createServer()
  const port = await listenOnLoopback(server)
  await new Promise((resolve) => server.close(resolve))
  const backend = createAmqpBackend({ url: `amqp://127.0.0.1:${port}`, exchange: 'x', routingKey: 'k' }, logger)
  await t.rejects(backend.send(delivery()), {
    retryable: true,
    message: 'Connecting to the AMQP broker failed: ECONNREFUSED'
  })
  await backend.close?.()
})

test('close without a send is a no-op', async (t) => {
  const backend = createAmqpBackend({ url: amqpUrl, exchange: 'x', routingKey: 'k' }, logger)
  await t.resolves(backend.close?.() as Promise<void>)
})

test('missing broker URL is a config error', async (t) => {
  t.throws(() => createAmqpBackend({ exchange: 'x', routingKey: 'k' }, logger), {
    code: 'RELAY_CONFIG_INVALID',
    message: /has no broker URL/
  })
})

/** A stand-in for amqplib's connection and confirm channel, for failures a real broker cannot be made to produce on demand. */
class FakeChannel extends EventEmitter {
  publish: (...args: unknown[]) => boolean = () => true
}

class FakeConnection extends EventEmitter {
  readonly channel = new FakeChannel()
  closed = 0
  createConfirmChannel: () => Promise<FakeChannel> = async () => this.channel
  async close (): Promise<void> {
    this.closed++
  }
}

async function importWithFake (t: Test, connection: FakeConnection): Promise<{ backend: ReturnType<typeof createAmqpBackend>, connects: () => number }> {
  let connects = 0
  const module = await t.mockImport<typeof import('../../backends/amqp.js')>('../../backends/amqp.js', {
    amqplib: {
      connect: async () => {
        connects++
        return connection
      }
    }
  })
  const backend = module.createAmqpBackend({ url: 'amqp://fake', exchange: 'x', routingKey: 'k', timeoutMs: 50 }, logger)
  return { backend, connects: () => connects }
}

test('one lazy connection for concurrent sends', async (t) => {
  const connection = new FakeConnection()
  connection.channel.publish = (...args) => {
    (args[4] as (err: null) => void)(null)
    return true
  }
  const { backend, connects } = await importWithFake(t, connection)
  t.equal(connects(), 0, 'no connection before the first send')
  await Promise.all([backend.send(delivery()), backend.send(delivery())])
  t.equal(connects(), 1)
  await backend.close?.()
  t.equal(connection.closed, 1, 'close() closes the connection')
})

test('unconfirmed publish times out as retryable', async (t) => {
  const { backend } = await importWithFake(t, new FakeConnection())
  await t.rejects(backend.send(delivery()), {
    retryable: true,
    message: 'The AMQP broker did not confirm within 50 ms'
  })
})

test('lost connection is retryable and reconnects', async (t) => {
  const connection = new FakeConnection()
  connection.channel.publish = (...args) => {
    connection.emit('error', new Error('read ECONNRESET'))
    connection.emit('close')
    ;(args[4] as (err: Error) => void)(new Error('channel closed'))
    return true
  }
  const { backend, connects } = await importWithFake(t, connection)
  await t.rejects(backend.send(delivery()), {
    retryable: true,
    message: 'The AMQP broker did not accept the message for exchange "x" with routing key "k": channel closed'
  })
  connection.channel.publish = () => {
    throw new Error('Channel closed')
  }
  await t.rejects(backend.send(delivery()), { retryable: true, message: /: Channel closed$/ })
  t.equal(connects(), 2, 'the send after the loss opened a new connection')
})

test('channel close closes the connection', async (t) => {
  const connection = new FakeConnection()
  connection.channel.publish = (...args) => {
    connection.channel.emit('close')
    ;(args[4] as (err: Error) => void)(new Error('channel closed'))
    return true
  }
  const { backend } = await importWithFake(t, connection)
  await t.rejects(backend.send(delivery()), { code: 'RELAY_DELIVERY_FAILED', retryable: true })
  t.equal(connection.closed, 1)
})

test('channel open failure closes the connection', async (t) => {
  const connection = new FakeConnection()
  connection.createConfirmChannel = async () => {
    throw new Error('NOT_ALLOWED - number of channels opened has reached the negotiated channel_max')
  }
  const { backend, connects } = await importWithFake(t, connection)
  await t.rejects(backend.send(delivery()), {
    retryable: true,
    message: /^Opening an AMQP channel failed: NOT_ALLOWED/
  })
  t.equal(connection.closed, 1)
  await backend.close?.()
  await t.rejects(backend.send(delivery()), { code: 'RELAY_DELIVERY_FAILED', retryable: true })
  t.equal(connects(), 2, 'a failed open is not cached')
})

test('non-Error failure is described', async (t) => {
  const connection = new FakeConnection()
  connection.channel.publish = (...args) => {
    (args[4] as (err: string) => void)('flow control')
    return true
  }
  const { backend } = await importWithFake(t, connection)
  await t.rejects(backend.send(delivery()), { retryable: true, message: /: flow control$/ })
})
