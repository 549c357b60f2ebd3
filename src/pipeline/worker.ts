import type { ConsumeMessage } from 'amqplib'
import type { Logger } from 'pino'
import { headerList, headerNumber, headerString, headers } from '../broker/messages.js'
import { retryKey } from '../broker/topology.js'
import { DeliveryError, PublishError } from '../errors.js'
import { normalize } from '../notifications/normalize.js'
import { withTimeout } from '../timeout.js'
import type { PipelineContext } from './context.js'
import { planRetry } from './retry.js'
import { parseItem } from './router.js'

/** Time added to a backend's own timeout before the worker gives up on an attempt, in ms. */
const attemptGraceMs = 1000

export type DeliveryOutcome = 'delivered' | 'retried' | 'dead_lettered'

/**
 * Hands one delivery to its receiver's backend. On success the caller
 * acknowledges it. On failure it is first republished, with confirms, to a
 * retry tier or to the dead-letter queue, and only then acknowledged.
 */
export async function deliverMessage (
  context: PipelineContext,
  receiver: string,
  message: ConsumeMessage
): Promise<DeliveryOutcome> {
  const values = message.properties.headers ?? {}
  const messageId = message.properties.messageId ?? 'unknown'
  const requestId = headerString(values, headers.requestId)
  const failedAttempts = headerNumber(values, headers.attempts) ?? 0
  const attempt = failedAttempts + 1
  const logger = context.logger.child({ receiver, messageId, requestId, attempt })
  const backend = context.backends.get(receiver)

  let error: unknown
  try {
    if (backend === undefined) throw new DeliveryError(`no backend for receiver "${receiver}"`, { retryable: false })
    const notification = normalize(parseQueued(message.content))
    const completed = headerList(values, headers.completed)
    const sending = backend.send({ notification, messageId, requestId, receiver, attempt, completed })
    // A backend's own timeout, with its clearer message, fires first; this
    // one stops a backend whose peer keeps the exchange alive but never
    // finishes it. Its late success can mean a second send on the retry.
    const limitMs = attemptLimitMs(context, receiver)
    await withTimeout(sending, limitMs, () =>
      new DeliveryError(`${receiver} did not finish the delivery within ${limitMs} ms`, { retryable: true }))
  } catch (err) {
    error = err
  }

  if (error === undefined) {
    observeLatency(context, receiver, message)
    logger.info('delivered')
    return count(context, receiver, 'delivered')
  }
  return await handleFailure(context, { receiver, message, failedAttempts: attempt, error, logger })
}

/** Returns the maximum time, in ms, that a delivery attempt to `receiver` may take before the worker gives up on it. */
export function attemptLimitMs (context: PipelineContext, receiver: string): number {
  const backend = context.backends.get(receiver)
  return (backend?.attemptTimeoutMs ?? context.deliveryTimeoutMs) + attemptGraceMs
}

function parseQueued (content: Buffer): ReturnType<typeof parseItem> {
  try {
    return parseItem(content)
  } catch (err) {
    throw new DeliveryError('queued notification is not a JSON object', { retryable: false, cause: err })
  }
}

interface Failure {
  receiver: string
  message: ConsumeMessage
  /** Attempts made so far, including the one that just failed. */
  failedAttempts: number
  error: unknown
  logger: Logger
}

async function handleFailure (context: PipelineContext, failure: Failure): Promise<DeliveryOutcome> {
  const { receiver, message, failedAttempts, error, logger } = failure
  const publisher = context.publisher()
  if (publisher === null) throw new PublishError('no open confirm channel')
  const retryable = !(error instanceof DeliveryError) || error.retryable
  const reason = describe(error)
  const now = Date.now()
  const values = message.properties.headers ?? {}
  const failureHeaders = {
    ...values,
    [headers.receiver]: receiver,
    [headers.attempts]: failedAttempts,
    [headers.lastError]: reason,
    [headers.firstFailedAt]: headerNumber(values, headers.firstFailedAt) ?? now,
    [headers.lastFailedAt]: now,
    [headers.completed]: completedParts(values, error)
  }
  const options = { messageId: message.properties.messageId ?? 'unknown', contentType: 'application/json' }

  if (retryable && failedAttempts < context.retry.maxAttempts) {
    const retryAfterMs = error instanceof DeliveryError ? error.retryAfterMs : undefined
    const plan = planRetry(context.retry, failedAttempts, retryAfterMs)
    await publisher.publish(context.names.retry, retryKey(receiver, plan.tierMs), message.content, {
      ...options,
      expiration: String(plan.delayMs),
      headers: { ...failureHeaders, [headers.retryTier]: String(plan.tierMs) }
    })
    logger.warn({ err: error, delayMs: plan.delayMs, retryAfterMs }, 'delivery failed, retry scheduled')
    context.metrics.retries.inc({ receiver })
    return count(context, receiver, 'retried')
  }

  const kind = retryable ? 'exhausted' : 'permanent'
  await publisher.publish('', context.names.deadLetters, message.content, {
    ...options,
    headers: { ...failureHeaders, [headers.errorKind]: kind, [headers.deadLetteredAt]: now }
  })
  logger.error({ err: error, kind }, 'delivery failed, moved to dead letters')
  context.metrics.deadLetters.inc({ receiver })
  return count(context, receiver, 'dead_lettered')
}

/** Parts done by earlier attempts and by the one that just failed. */
function completedParts (values: Record<string, unknown>, error: unknown): string[] {
  const done = new Set(headerList(values, headers.completed))
  if (error instanceof DeliveryError) for (const part of error.completed) done.add(part)
  return [...done]
}

/** Formats the dead-letter reason: the status and the channel's message. */
function describe (error: unknown): string {
  const message = error instanceof Error ? error.message : String(error)
  const status = error instanceof DeliveryError && error.status !== undefined ? `${error.status} ` : ''
  return `${status}${message}`.slice(0, 1000)
}

function count (context: PipelineContext, receiver: string, outcome: DeliveryOutcome): DeliveryOutcome {
  context.metrics.deliveries.inc({ receiver, outcome })
  return outcome
}

function observeLatency (context: PipelineContext, receiver: string, message: ConsumeMessage): void {
  const receivedAt = headerNumber(message.properties.headers, headers.receivedAt)
  if (receivedAt === null) return
  context.metrics.deliveryLatency.observe({ receiver }, Math.max(Date.now() - receivedAt, 0) / 1000)
}
