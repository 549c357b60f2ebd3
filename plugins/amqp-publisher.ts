import { randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import type { Logger } from 'pino'
import { Broker, closeTimeoutMs, guardChannel, watchChannel } from '../src/broker/connection.js'
import { headers } from '../src/broker/messages.js'
import { ConfirmPublisher } from '../src/broker/publisher.js'
import { assertIngest, topologyNames } from '../src/broker/topology.js'
import { BrokerUnavailableError, UnroutableError } from '../src/errors.js'
import { notificationType } from '../src/notifications/content-key.js'
import type { SqreenItem } from '../src/notifications/types.js'
import { withTimeout } from '../src/timeout.js'

declare module 'fastify' {
  interface FastifyInstance {
    amqp: NotificationPublisher
  }
}

export interface NotificationPublisher {
  /** True while a confirm channel to the broker is open. */
  readonly ready: boolean
  /**
   * Publishes one message per notification and resolves when the broker
   * confirmed all of them; rejects with BrokerUnavailableError otherwise.
   */
  publish (items: SqreenItem[], requestId: string): Promise<void>
}

async function amqpPublisherPlugin (fastify: FastifyInstance): Promise<void> {
  const config = fastify.config
  const names = topologyNames(config.AMQP_PREFIX)
  const timeoutMs = config.PUBLISH_TIMEOUT_MS
  let publisher: ConfirmPublisher | null = null
  let broker: Broker | undefined
  let closing = false

  broker = await Broker.open({
    url: config.AMQP_URL,
    logger: fastify.log as Logger,
    connectionName: `sqreen-relay server ${config.AMQP_PREFIX}`,
    alarmProbeKey: names.alarmProbe,
    setup: async (model) => {
      const channel = guardChannel(await model.createConfirmChannel())
      await assertIngest(channel, names)
      const next = new ConfirmPublisher(channel)
      watchChannel(channel, (reason) => {
        if (publisher !== next || closing) return
        publisher = null
        fastify.metrics.brokerConnected.set(0)
        void broker?.reset(reason)
      })
      publisher = next
      fastify.metrics.brokerConnected.set(1)
    },
    onDisconnect: () => {
      publisher = null
      fastify.metrics.brokerConnected.set(0)
    }
  })

  async function publish (items: SqreenItem[], requestId: string): Promise<void> {
    const current = publisher
    // A blocked broker would hold the publish until PUBLISH_TIMEOUT_MS.
    if (current === null || broker?.blocked === true) throw new BrokerUnavailableError()
    const receivedAt = Date.now()
    const types = items.map(notificationType)
    const confirms = items.map((item, index) => current.publish(
      names.ingest,
      names.routeKey,
      Buffer.from(JSON.stringify(item)),
      {
        messageId: randomUUID(),
        contentType: 'application/json',
        timestamp: Math.floor(receivedAt / 1000),
        type: types[index],
        headers: {
          [headers.requestId]: requestId,
          [headers.receivedAt]: receivedAt,
          [headers.notificationType]: types[index]
        }
      }
    ))
    const stopTimer = fastify.metrics.publishConfirmDuration.startTimer()
    try {
      await withTimeout(Promise.all(confirms), timeoutMs, () => new Error(`no confirm within ${timeoutMs} ms`))
      stopTimer()
      countAccepted(types)
    } catch (err) {
      fastify.log.error({ err, requestId, count: items.length }, 'publish not confirmed')
      // The route queue was deleted under a live connection: declaring the
      // topology again on a new one restores it.
      if (err instanceof UnroutableError && current === publisher) {
        publisher = null
        fastify.metrics.brokerConnected.set(0)
        void broker?.reset('a notification was returned as unroutable')
      }
      throw new BrokerUnavailableError({ cause: err })
    }
  }

  /** Counts accepted notifications with one update per type, not per notification. */
  function countAccepted (types: string[]): void {
    const counts = new Map<string, number>()
    for (const type of types) counts.set(type, (counts.get(type) ?? 0) + 1)
    for (const [type, count] of counts) fastify.metrics.notificationsAccepted.inc({ type }, count)
  }

  fastify.decorate('amqp', {
    get ready () { return publisher !== null && broker?.blocked !== true },
    publish
  })

  fastify.addHook('onClose', async () => {
    closing = true
    // Finish the confirms of requests still in flight before closing.
    const current = publisher
    // A blocked broker processes nothing, not even a channel close, and
    // amqplib then closes the connection at once.
    if (current !== null && broker?.blocked !== true) {
      // An unreferenced timer, so that it keeps no process alive once the drain won.
      await Promise.race([current.drain(), delay(config.SHUTDOWN_TIMEOUT_MS, undefined, { ref: false })])
      await withTimeout(current.channel.close(), closeTimeoutMs, () => new Error('no response from the broker')).catch(() => {})
    }
    await broker?.close()
  })
}

export default fp(amqpPublisherPlugin, { name: 'amqp-publisher', dependencies: ['config', 'metrics'] })
