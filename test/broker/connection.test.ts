import { createServer } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import type { ChannelModel } from 'amqplib'
import { test, type Test } from 'tap'
import { Broker, coalesceFrameWrites, connectFailureFix } from '../../src/broker/connection.js'
import { amqpUrl, openConnection, uniquePrefix } from '../fixtures/broker.js'
import { connectionBlockedFrame, connectionUnblockedFrame, startBrokerProxy } from '../fixtures/broker-proxy.js'
import { captureLog } from '../fixtures/log-capture.js'
import { waitUntil } from '../fixtures/server.js'

async function closedPort (): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => { server.listen(0, '127.0.0.1', resolve) })
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => { server.close(resolve) })
  return port
}

async function failedLines (url: string): Promise<Array<Record<string, unknown>>> {
  const log = captureLog()
  const broker = await Broker.open({
    url,
    logger: log.logger,
    connectionName: 'sqreen-relay connection test',
    setup: async () => {}
  })
  const failed = (): Array<Record<string, unknown>> =>
    log.lines().filter((line) => line.msg === 'broker connection failed')
  try {
    await waitUntil(() => failed().length > 0, 10_000, 'a failed connection attempt')
    return failed()
  } finally {
    await broker.close()
  }
}

test('wrong password is an error naming AMQP_URL', async (t) => {
  const url = new URL(amqpUrl)
  url.password = 'not-the-password'
  const [line] = await failedLines(url.toString())
  t.equal(line?.level, 50, 'logged at error level')
  t.equal(line?.fix, 'check the user and password in AMQP_URL')
  t.notMatch(JSON.stringify(line), /not-the-password/, 'the password stays out of the log')
})

test('unknown virtual host is an error', async (t) => {
  const url = new URL(amqpUrl)
  url.pathname = '/no-such-vhost'
  const [line] = await failedLines(url.toString())
  t.equal(line?.level, 50, 'logged at error level')
  t.match(line?.fix, /virtual host in AMQP_URL/)
})

test('closed port is a warning to check RabbitMQ', async (t) => {
  const [line] = await failedLines(`amqp://guest:guest@127.0.0.1:${await closedPort()}`)
  t.equal(line?.level, 40, 'logged at warn level')
  t.match(line?.fix, /RabbitMQ runs and listens/)
})

test('failures are explained', async (t) => {
  const cases = [
    { err: new Error('Connection closed: 530 (NOT-ALLOWED) with message "NOT_ALLOWED - vhost relay not found"'), fix: /virtual host/, needsOperator: true },
    { err: Object.assign(new Error('getaddrinfo ENOTFOUND rabbit'), { code: 'ENOTFOUND' }), fix: /host name/, needsOperator: false },
    { err: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), fix: /listens/, needsOperator: false }
  ]
  for (const { err, fix, needsOperator } of cases) {
    const answer = connectFailureFix(err)
    t.match(answer.fix, fix, err.message)
    t.equal(answer.needsOperator, needsOperator, err.message)
  }
})

test('a conflicting queue is explained', async (t) => {
  const err = new Error('Channel closed by server: 406 (PRECONDITION-FAILED) with message "PRECONDITION_FAILED - inequivalent arg \'x-queue-type\'"')
  t.same(connectFailureFix(err), {
    fix: 'a queue or exchange of that name exists with other settings: delete it, or set another AMQP_PREFIX',
    needsOperator: true
  })
})

test('a locked queue is explained', async (t) => {
  const err = new Error('Channel closed by server: 405 (RESOURCE-LOCKED) with message "RESOURCE_LOCKED - cannot obtain exclusive access"')
  t.match(connectFailureFix(err), { fix: /exclusive queue/, needsOperator: true })
})

test('frames of one multiplexer pass go out in one write', async (t) => {
  const calls: string[] = []
  const out = {
    cork: () => { calls.push('cork') },
    uncork: () => { calls.push('uncork') }
  }
  const muxer = { out, _readIncoming: () => { calls.push('write', 'write') } }
  const model = { connection: { muxer } } as unknown as ChannelModel
  coalesceFrameWrites(model)
  muxer._readIncoming()
  t.same(calls, ['cork', 'write', 'write', 'uncork'])
})

test('an amqplib without the multiplexer is left alone', async (t) => {
  const model = { connection: {} } as unknown as ChannelModel
  t.doesNotThrow(() => { coalesceFrameWrites(model) })
})

test('a real connection keeps working with coalesced writes', async (t) => {
  const log = captureLog()
  let model: ChannelModel | undefined
  const broker = await Broker.open({
    url: amqpUrl,
    logger: log.logger,
    connectionName: 'sqreen-relay connection test',
    setup: async (connected) => { model = connected }
  })
  t.teardown(async () => { await broker.close() })
  await broker.waitForConnect()
  const channel = await (model as ChannelModel).createConfirmChannel()
  const queue = (await channel.assertQueue('', { exclusive: true })).queue
  const confirms = Array.from({ length: 200 }, (_, index) => new Promise<void>((resolve, reject) => {
    channel.sendToQueue(queue, Buffer.from(String(index)), {}, (err) => { err === null || err === undefined ? resolve() : reject(err) })
  }))
  await Promise.all(confirms)
  t.equal((await channel.checkQueue(queue)).messageCount, 200, 'every message reached the queue')
})

/** Declares the probe's queue, so that the probes can be counted, and returns a counter. */
async function countProbes (t: Test, routingKey: string): Promise<() => number> {
  const connection = await openConnection()
  t.teardown(async () => { await connection.close().catch(() => {}) })
  const channel = await connection.createChannel()
  await channel.assertQueue(routingKey, { exclusive: true, durable: false })
  let count = 0
  await channel.consume(routingKey, () => { count++ }, { noAck: true })
  return () => count
}

test('alarm probe publishes while idle', async (t) => {
  const routingKey = `${uniquePrefix('probe')}.alarm-probe`
  const probes = await countProbes(t, routingKey)
  const broker = await Broker.open({
    url: amqpUrl,
    logger: captureLog().logger,
    connectionName: 'sqreen-relay probe test',
    setup: async () => {},
    alarmProbeKey: routingKey,
    alarmProbeIntervalMs: 50
  })
  await waitUntil(() => probes() >= 3, 10_000, 'three probes')
  await broker.close()
  const afterClose = probes()
  await delay(300)
  t.equal(probes(), afterClose, 'no probe after close')
})

test('alarm probe pauses while blocked', async (t) => {
  const routingKey = `${uniquePrefix('probe-blocked')}.alarm-probe`
  const probes = await countProbes(t, routingKey)
  const proxy = await startBrokerProxy(t)
  const broker = await Broker.open({
    url: proxy.url,
    logger: captureLog().logger,
    connectionName: 'sqreen-relay probe test',
    setup: async () => {},
    alarmProbeKey: routingKey,
    alarmProbeIntervalMs: 50
  })
  t.teardown(async () => { await broker.close() })
  await waitUntil(() => probes() >= 1, 10_000, 'a probe')
  proxy.inject(connectionBlockedFrame('memory alarm'))
  await waitUntil(() => broker.blocked, 5000, 'the block')
  await delay(300)
  const whileBlocked = probes()
  await delay(300)
  t.equal(probes(), whileBlocked, 'no probe while blocked')
  proxy.inject(connectionUnblockedFrame())
  await waitUntil(() => probes() > whileBlocked, 5000, 'probes after the unblock')
})
