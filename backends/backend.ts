import type { Logger } from 'pino'
import type { Notification } from '../src/notifications/types.js'

/** One notification on its way to one receiver. */
export interface Delivery {
  notification: Notification
  /** AMQP message id given by the server when it accepted the notification. */
  messageId: string
  /** Id of the HTTP request that carried the notification. */
  requestId: string | null
  receiver: string
  /** 1 for the first attempt. */
  attempt: number
  /**
   * Parts of the delivery that earlier attempts completed, from the
   * DeliveryError they raised. They travel with the retried message, so
   * that any consumer process skips them.
   */
  completed: readonly string[]
}

/**
 * A delivery channel. `send` resolves once the channel accepted the
 * message, or rejects with a DeliveryError that says whether a retry can
 * help; any other rejection counts as retryable.
 */
export interface Backend {
  readonly name: string
  /**
   * Time one attempt may take, when it is longer than DELIVERY_TIMEOUT_MS,
   * such as one request per number for SMS. The consumer gives up on an
   * attempt that takes longer, whatever the backend does.
   */
  readonly attemptTimeoutMs?: number
  send (delivery: Delivery): Promise<void>
  close? (): Promise<void>
}

/** Builds a backend from its receiver's options and a child logger. */
export type BackendFactory<Options> = (options: Options, logger: Logger) => Backend
