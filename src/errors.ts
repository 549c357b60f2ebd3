import createError from '@fastify/error'

/*
 * Every error the relay raises on purpose, with a stable code. The README
 * lists each code with what to do about it. HTTP errors carry the status
 * the server responds with, and their message tells the client what to fix.
 */

export const BodyTooLargeError = createError(
  'RELAY_BODY_TOO_LARGE',
  'The body is larger than %s bytes: split the batch or raise BODY_LIMIT',
  413
)

export const UnsupportedMediaTypeError = createError(
  'RELAY_UNSUPPORTED_MEDIA_TYPE',
  'Content-Type must be application/json, got %s',
  415
)

export const SignatureMissingError = createError(
  'RELAY_SIGNATURE_MISSING',
  'The X-Sqreen-Integrity header is missing: sign the raw body with HMAC-SHA256',
  401
)

export const SignatureMalformedError = createError(
  'RELAY_SIGNATURE_MALFORMED',
  'X-Sqreen-Integrity must be 64 hex characters (HMAC-SHA256)',
  401
)

export const SignatureMismatchError = createError(
  'RELAY_SIGNATURE_MISMATCH',
  'X-Sqreen-Integrity does not match the body for any configured secret',
  401
)

export const InvalidJsonError = createError(
  'RELAY_INVALID_JSON',
  'The body is not valid JSON: %s',
  400
)

export const InvalidNotificationError = createError(
  'RELAY_INVALID_NOTIFICATION',
  'The body is not a Sqreen notification or an array of them: %s',
  422
)

export const BrokerUnavailableError = createError(
  'RELAY_BROKER_UNAVAILABLE',
  'The message broker is unavailable: retry after the delay in Retry-After',
  503
)

export const ShuttingDownError = createError(
  'RELAY_SHUTTING_DOWN',
  'The server is shutting down: retry after the delay in Retry-After',
  503
)

export const NotFoundError = createError(
  'RELAY_NOT_FOUND',
  'No route %s %s: %s',
  404
)

export const MissingHostError = createError(
  'RELAY_BAD_REQUEST',
  'The HTTP/1.1 request has no Host header: send one, such as Host: relay.example.com',
  400
)

export const DuplicateHostError = createError(
  'RELAY_BAD_REQUEST',
  'The request has %s Host headers: send exactly one',
  400
)

export const UnsupportedTransferEncodingError = createError(
  'RELAY_UNSUPPORTED_TRANSFER_ENCODING',
  'Transfer-Encoding %s is not supported: send the body with Content-Length or Transfer-Encoding: chunked',
  501
)

/** Invalid configuration found at start-up; the message names the setting. */
export class ConfigError extends Error {
  readonly code = 'RELAY_CONFIG_INVALID'
}

/** A publish the broker rejected, returned as unroutable, or never confirmed. */
export class PublishError extends Error {
  readonly code = 'RELAY_PUBLISH_FAILED'
}

/** A publish the broker returned because no queue is bound for its routing key. */
export class UnroutableError extends PublishError {}

export const deliveryErrorKinds = ['retryable', 'permanent'] as const
export type DeliveryErrorKind = typeof deliveryErrorKinds[number]

export interface DeliveryErrorOptions {
  retryable: boolean
  /** Delay the channel asked for, from a Retry-After header. */
  retryAfterMs?: number
  /** HTTP status or SMTP response code of the failed attempt. */
  status?: number
  /**
   * Parts of the delivery done so far, including earlier attempts' (for
   * SMS, the numbers Twilio accepted), so that a retry skips them.
   */
  completed?: readonly string[]
  cause?: unknown
}

/**
 * A failed delivery attempt. Backends raise it so that the consumer can
 * tell whether another attempt can help.
 */
export class DeliveryError extends Error {
  readonly code = 'RELAY_DELIVERY_FAILED'
  readonly retryable: boolean
  readonly retryAfterMs?: number
  readonly status?: number
  readonly completed: readonly string[]

  constructor (message: string, options: DeliveryErrorOptions) {
    super(message, { cause: options.cause })
    this.retryable = options.retryable
    this.retryAfterMs = options.retryAfterMs
    this.status = options.status
    this.completed = options.completed ?? []
  }
}
