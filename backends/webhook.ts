import { createHmac } from 'node:crypto'
import { ConfigError } from '../src/errors.js'
import { redactUrl } from '../src/logger.js'
import type { WebhookReceiver } from '../src/routing/types.js'
import type { BackendFactory, Delivery } from './backend.js'
import { sendHttp } from './http.js'

/*
 * Signing scheme of the outgoing webhook, for the service that receives it:
 *
 *   X-Relay-Timestamp: Unix time in seconds when the relay signed the request.
 *   X-Relay-Signature (or the receiver's signature_header): lower-case hex of
 *     HMAC-SHA256, keyed with the secret's UTF-8 bytes, over the raw body bytes.
 *
 * The body repeats the timestamp in its `timestamp` field, so the signature
 * covers it. To verify, compute the HMAC over the body exactly as received,
 * before parsing, and compare it in constant time. Then reject a body whose
 * `timestamp` is too far from your clock, so that a captured request cannot
 * be replayed later. Each retry is signed again with a new timestamp.
 */

export const timestampHeader = 'X-Relay-Timestamp'
export const defaultTimeoutMs = 10_000

export interface WebhookOptions extends Pick<WebhookReceiver, 'url' | 'secret' | 'signatureHeader'> {
  /** Time allowed for one POST, in milliseconds; 10000 when unset. */
  timeoutMs?: number
}

/**
 * Builds the JSON document sent for one delivery: the normalised facts,
 * the Sqreen item as received, and the ids that tie it to the relay's logs.
 */
export function deliveryDocument (delivery: Delivery, timestamp: number): Record<string, unknown> {
  const { raw, ...facts } = delivery.notification
  return {
    notification: facts,
    raw,
    receiver: delivery.receiver,
    message_id: delivery.messageId,
    request_id: delivery.requestId,
    timestamp
  }
}

/** Returns the lower-case hex HMAC-SHA256 of the body's UTF-8 bytes, keyed with `secret`. */
export function signBody (secret: string, body: string | Buffer): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8')).update(body).digest('hex')
}

function checkUrl (value: string): void {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError('The webhook URL is not a valid URL')
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`The webhook URL must be http(s), got ${url.protocol}`)
  }
}

/** POSTs each delivery as signed JSON to an operator's HTTP endpoint. */
export const createWebhookBackend: BackendFactory<WebhookOptions> = (options, logger) => {
  checkUrl(options.url)
  if (options.secret === '') throw new ConfigError('The webhook secret is empty')
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
  logger.debug({ target: redactUrl(options.url) }, 'webhook backend ready')
  return {
    name: 'webhook',
    async send (delivery) {
      const timestamp = Math.floor(Date.now() / 1000)
      // fetch sends a string body as its UTF-8 bytes, the same bytes signBody hashes.
      const body = JSON.stringify(deliveryDocument(delivery, timestamp))
      await sendHttp({
        url: options.url,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          [options.signatureHeader]: signBody(options.secret, body),
          [timestampHeader]: String(timestamp)
        },
        body,
        timeoutMs,
        service: 'Webhook'
      })
      logger.debug({ messageId: delivery.messageId, attempt: delivery.attempt }, 'webhook delivered')
    }
  }
}
