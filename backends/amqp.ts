import { randomUUID } from 'node:crypto'
import { connect, type ChannelModel, type ConfirmChannel, type Message } from 'amqplib'
import type { Logger } from 'pino'
import { ConfigError, DeliveryError } from '../src/errors.js'
import { redactUrl } from '../src/logger.js'
import type { AmqpReceiver } from '../src/routing/types.js'
import type { BackendFactory, Delivery } from './backend.js'
import { deliveryDocument } from './webhook.js'

export const defaultTimeoutMs = 10_000

/** Header that ties a returned message to the publish that sent it. */
const publishIdHeader = 'x-relay-publish-id'

export interface AmqpOptions extends Pick<AmqpReceiver, 'url' | 'exchange' | 'routingKey'> {
  /** Time allowed for the broker to confirm one publish, in milliseconds; 10000 when unset. */
  timeoutMs?: number
}

interface Link {
  connection: ChannelModel
  channel: ConfirmChannel
  /** Ids of publishes the broker returned as unroutable, until their confirm arrives. */
  returned: Set<string>
  /** The broker's error when it closed the channel, e.g. 404 NOT_FOUND for a missing exchange. */
  closeReason?: Error
}

/**
 * Republishes each delivery as JSON (the document the webhook backend
 * sends) to an exchange and routing key of the operator's choice, on its
 * own connection, opened at the first send. Messages are persistent and
 * mandatory, and each send waits for the broker's confirm.
 */
export const createAmqpBackend: BackendFactory<AmqpOptions> = (options, logger) => {
  if (options.url === undefined) {
    throw new ConfigError('The amqp receiver has no broker URL: set url, or AMQP_URL for the relay\'s broker')
  }
  const publisher = new ConfirmPublisher(options.url, options, logger)
  logger.debug({ target: redactUrl(options.url), exchange: options.exchange }, 'amqp backend ready')
  return {
    name: 'amqp',
    send: async (delivery) => await publisher.publish(delivery),
    close: async () => await publisher.close()
  }
}

class ConfirmPublisher {
  readonly #url: string
  readonly #options: AmqpOptions
  readonly #logger: Logger
  #link: Promise<Link> | undefined

  constructor (url: string, options: AmqpOptions, logger: Logger) {
    this.#url = url
    this.#options = options
    this.#logger = logger
  }

  async publish (delivery: Delivery): Promise<void> {
    const link = await this.#connect()
    const publishId = randomUUID()
    const timestamp = Math.floor(Date.now() / 1000)
    const body = Buffer.from(JSON.stringify(deliveryDocument(delivery, timestamp)), 'utf8')
    const properties = {
      persistent: true,
      mandatory: true,
      contentType: 'application/json',
      messageId: delivery.messageId,
      timestamp,
      type: delivery.notification.type,
      appId: 'sqreen-relay',
      headers: { [publishIdHeader]: publishId, 'x-relay-receiver': delivery.receiver }
    }
    await this.#confirm(link, publishId, (callback) =>
      link.channel.publish(this.#options.exchange, this.#options.routingKey, body, properties, callback))
    this.#logger.debug({ messageId: delivery.messageId, attempt: delivery.attempt }, 'amqp message confirmed')
  }

  async close (): Promise<void> {
    const pending = this.#link
    this.#link = undefined
    if (pending === undefined) return
    const link = await pending.catch(() => undefined)
    await link?.connection.close().catch(() => {})
  }

  #connect (): Promise<Link> {
    if (this.#link === undefined) {
      const pending: Promise<Link> = this.#open(() => {
        if (this.#link === pending) this.#link = undefined
      })
      this.#link = pending
      pending.catch(() => {
        if (this.#link === pending) this.#link = undefined
      })
    }
    return this.#link
  }

  /** Opens a connection and a confirm channel; `forget` runs once either closes. */
  async #open (forget: () => void): Promise<Link> {
    let connection: ChannelModel
    try {
      connection = await connect(this.#url)
    } catch (err) {
      throw new DeliveryError(`Connecting to the AMQP broker failed: ${describe(err)}`, { retryable: true, cause: err })
    }
    connection.on('error', (err: Error) => this.#logger.warn({ err }, 'amqp receiver connection failed'))
    connection.on('close', forget)
    let channel: ConfirmChannel
    try {
      channel = await connection.createConfirmChannel()
    } catch (err) {
      await connection.close().catch(() => {})
      throw new DeliveryError(`Opening an AMQP channel failed: ${describe(err)}`, { retryable: true, cause: err })
    }
    const link: Link = { connection, channel, returned: new Set() }
    channel.on('return', (message: Message) => {
      const id = message.properties.headers?.[publishIdHeader]
      if (typeof id === 'string') link.returned.add(id)
    })
    channel.on('error', (err: Error) => {
      // The failed publish carries this reason into its DeliveryError,
      // which the consumer logs with the message's ids.
      link.closeReason = err
      this.#logger.debug({ err }, 'amqp receiver channel closed by the broker')
    })
    channel.on('close', () => {
      forget()
      // The next send opens a new connection, because a closed channel cannot publish again.
      connection.close().catch(() => {})
    })
    return link
  }

  /** Resolves once the broker confirmed a routed message; rejects with a DeliveryError otherwise. */
  async #confirm (
    link: Link,
    publishId: string,
    publish: (callback: (err: unknown) => void) => void
  ): Promise<void> {
    const { exchange, routingKey } = this.#options
    const target = `exchange "${exchange}" with routing key "${routingKey}"`
    const timeoutMs = this.#options.timeoutMs ?? defaultTimeoutMs
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        reject(new DeliveryError(`The AMQP broker did not confirm within ${timeoutMs} ms`, { retryable: true }))
      }, timeoutMs)
      const settle = (err: unknown): void => {
        clearTimeout(timer)
        const returned = link.returned.delete(publishId)
        if (err !== null && err !== undefined) {
          const reason = link.closeReason === undefined ? describe(err) : describe(link.closeReason)
          reject(new DeliveryError(`The AMQP broker did not accept the message for ${target}: ${reason}`, {
            retryable: true,
            cause: err
          }))
        } else if (returned) {
          reject(new DeliveryError(`No queue is bound to ${target}: bind one, or fix the routing key`, {
            retryable: false
          }))
        } else {
          resolve()
        }
      }
      try {
        publish(settle)
      } catch (err) {
        settle(err)
      }
    })
  }
}

function describe (err: unknown): string {
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code
    return typeof code === 'string' ? code : err.message
  }
  return String(err)
}
