import type { ConfirmChannel, Options } from 'amqplib'
import { PublishError, UnroutableError } from '../errors.js'

export interface PublishOptions extends Options.Publish {
  messageId: string
}

/**
 * Publishes persistent, mandatory messages on a confirm channel and settles
 * each publish only when the broker has confirmed it. A message that no
 * queue takes is returned by the broker before its confirm, and rejects
 * instead of counting as accepted.
 */
export class ConfirmPublisher {
  readonly channel: ConfirmChannel
  readonly #returned = new Set<string>()
  #inFlight = 0
  #idle: Array<() => void> = []

  constructor (channel: ConfirmChannel) {
    this.channel = channel
    channel.on('return', (message: { fields: { exchange: string, routingKey: string }, properties: { messageId?: string } }) => {
      const { exchange, routingKey } = message.fields
      this.#returned.add(returnKey(exchange, routingKey, message.properties.messageId))
    })
  }

  get inFlight (): number {
    return this.#inFlight
  }

  publish (exchange: string, routingKey: string, content: Buffer, options: PublishOptions): Promise<void> {
    const key = returnKey(exchange, routingKey, options.messageId)
    this.#inFlight++
    return new Promise<void>((resolve, reject) => {
      const settle = (err: unknown): void => {
        const returned = this.#returned.delete(key)
        this.#settled()
        if (err !== null && err !== undefined) {
          reject(new PublishError(`broker did not confirm the message to ${exchange || 'the default exchange'}`, { cause: err }))
        } else if (returned) {
          reject(new UnroutableError(`no queue is bound to exchange "${exchange}" for routing key "${routingKey}"`))
        } else {
          resolve()
        }
      }
      try {
        this.channel.publish(exchange, routingKey, content, {
          ...options,
          persistent: true,
          mandatory: true
        }, settle)
      } catch (err) {
        // The channel closed between the caller's check and this publish.
        settle(err)
      }
    })
  }

  /** Resolves once every publish started so far has settled. */
  drain (): Promise<void> {
    if (this.#inFlight === 0) return Promise.resolve()
    return new Promise((resolve) => { this.#idle.push(resolve) })
  }

  #settled (): void {
    this.#inFlight--
    if (this.#inFlight > 0) return
    for (const resolve of this.#idle.splice(0)) resolve()
  }
}

function returnKey (exchange: string, routingKey: string, messageId: string | undefined): string {
  return `${exchange}\u0000${routingKey}\u0000${messageId ?? ''}`
}
