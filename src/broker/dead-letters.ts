import { setTimeout as delay } from 'node:timers/promises'
import type { ConfirmChannel, GetMessage } from 'amqplib'
import { headerList, headerNumber, headerString, headers } from './messages.js'
import { ConfirmPublisher } from './publisher.js'
import type { TopologyNames } from './topology.js'

/** One parked message, as an operator reads it. */
export interface DeadLetter {
  messageId: string
  requestId: string | null
  receiver: string
  type: string
  attempts: number
  /**
   * `permanent`, `exhausted` (every attempt failed), `unmatched` (no route)
   * or `delivery-limit` (redelivered more often than the queue allows).
   */
  kind: string
  lastError: string
  /** Parts done before it was parked, such as the SMS numbers reached; a replay skips them. */
  completed: string[]
  firstFailedAt: number | null
  deadLetteredAt: number | null
  content: Buffer
}

export interface DeadLetterFilter {
  receiver?: string
  /** Maximum number of matching messages to act on. */
  limit: number
  /**
   * The receivers configured now. A replay leaves the messages of any other
   * receiver parked, because nothing would read its queue.
   */
  receivers?: ReadonlySet<string>
}

export interface DeadLetterResult {
  /** The messages listed, replayed or purged. */
  handled: DeadLetter[]
  /** Messages a replay left parked because their receiver is not configured. */
  unknownReceiver: DeadLetter[]
  /** Matching messages left alone because the limit was reached. */
  beyondLimit: number
}

export type DeadLetterAction = 'list' | 'replay' | 'purge'

/** Headers that describe a failure, dropped when a message is replayed. */
const failureHeaders = [
  headers.attempts, headers.lastError, headers.errorKind, headers.firstFailedAt,
  headers.lastFailedAt, headers.deadLetteredAt, headers.retryTier, 'x-death', 'x-delivery-count',
  'x-first-death-reason', 'x-first-death-queue', 'x-first-death-exchange',
  'x-last-death-reason', 'x-last-death-queue', 'x-last-death-exchange'
]

/** `delivery-limit` when RabbitMQ itself dead-lettered the message. */
function brokerReason (values: Record<string, unknown>): string | null {
  return headerString(values, 'x-first-death-reason') === 'delivery_limit' ? 'delivery-limit' : null
}

function brokerError (values: Record<string, unknown>): string {
  const queue = headerString(values, 'x-first-death-queue')
  if (brokerReason(values) === null || queue === null) return ''
  return `RabbitMQ moved it from ${queue} after more redeliveries than the queue's delivery limit`
}

export function describeDeadLetter (message: GetMessage): DeadLetter {
  const values = message.properties.headers ?? {}
  return {
    messageId: message.properties.messageId ?? 'unknown',
    requestId: headerString(values, headers.requestId),
    receiver: headerString(values, headers.receiver) ?? '',
    type: headerString(values, headers.notificationType) ?? message.properties.type ?? 'unknown',
    attempts: headerNumber(values, headers.attempts) ?? 0,
    kind: headerString(values, headers.errorKind) ?? brokerReason(values) ?? 'unknown',
    lastError: headerString(values, headers.lastError) ?? brokerError(values),
    completed: headerList(values, headers.completed),
    firstFailedAt: headerNumber(values, headers.firstFailedAt),
    deadLetteredAt: headerNumber(values, headers.deadLetteredAt),
    content: message.content
  }
}

/**
 * Walks the messages parked when the walk starts, oldest first, and
 * applies `action` to those that match the filter. Every other message,
 * and every listed one, is published again at the tail, confirmed, before
 * its original is acknowledged. A full walk so leaves the queue in its
 * order. Unlike a requeue, this does not count as a redelivery, which a
 * quorum queue with a delivery limit would end by dropping the message. A
 * walk cut short can leave a message in the queue twice, but cannot lose
 * it, because each original is acknowledged only after its copy is confirmed.
 */
export async function processDeadLetters (
  channel: ConfirmChannel,
  names: TopologyNames,
  action: DeadLetterAction,
  filter: DeadLetterFilter
): Promise<DeadLetterResult> {
  const publisher = new ConfirmPublisher(channel)
  const result: DeadLetterResult = { handled: [], unknownReceiver: [], beyondLimit: 0 }
  // A failed operation closes the channel and also emits 'error'; the
  // rejected promise carries the same failure to the caller.
  channel.on('error', () => {})
  let parked: number
  try {
    parked = (await channel.checkQueue(names.deadLetters)).messageCount
  } catch (err) {
    throw new Error(`queue "${names.deadLetters}" not found: check AMQP_PREFIX, or start the consumer once to declare it`, { cause: err })
  }
  // Only the messages parked when the walk starts: a message published
  // again, or replayed and failed again, comes back at the tail and must
  // not be taken a second time.
  // Originals are acknowledged in batches, once the publishes of the
  // batch are confirmed, so a long walk does not wait for each confirm.
  let batch: Array<{ message: GetMessage, published: Promise<void> }> = []
  let batchesSettled = 0
  const settleBatch = async (): Promise<void> => {
    await Promise.all(batch.map(async ({ published }) => await published))
    for (const { message } of batch) channel.ack(message)
    if (batch.length > 0) batchesSettled++
    batch = []
  }
  for (let taken = 0; taken < parked; taken++) {
    const message = await channel.get(names.deadLetters, { noAck: false })
    if (message === false) break
    const letter = describeDeadLetter(message)
    const matches = filter.receiver === undefined || letter.receiver === filter.receiver
    const selected = matches && result.handled.length + result.unknownReceiver.length < filter.limit
    if (matches && !selected) result.beyondLimit++
    const receiverGone = action === 'replay' && letter.receiver !== '' &&
      filter.receivers !== undefined && !filter.receivers.has(letter.receiver)
    let published: Promise<void>
    if (selected && receiverGone) {
      result.unknownReceiver.push(letter)
      published = keep(publisher, names, message)
    } else if (selected) {
      result.handled.push(letter)
      if (action === 'replay') published = replay(publisher, names, message, letter)
      else if (action === 'list') published = keep(publisher, names, message)
      else published = Promise.resolve()
    } else {
      published = keep(publisher, names, message)
    }
    // Settled with the batch; a rejection fails the walk there.
    published.catch(() => {})
    batch.push({ message, published })
    if (batch.length >= walkBatchSize) await settleBatch()
  }
  await settleBatch()
  // NOTE: a quorum queue applies acknowledgements after the channel sent
  // them, and a channel closed before that returns the messages to the
  // queue. In tests, 16 of the last 50 came back after an immediate close
  // and none after 300 ms, so the walk waits before the caller closes.
  // AMQP offers no round trip that proves the acknowledgements applied.
  if (batchesSettled > 0) await delay(ackSettleMs)
  return result
}

/** Wait after the last acknowledgements of a walk, before the channel closes, in ms. */
const ackSettleMs = 1000

/** Messages whose publishes are confirmed together before their originals are acknowledged. */
const walkBatchSize = 100

/** Publishes a parked message again at the tail of the dead-letter queue, unchanged. */
async function keep (publisher: ConfirmPublisher, names: TopologyNames, message: GetMessage): Promise<void> {
  const { messageId, contentType, type, timestamp, headers: values } = message.properties
  await publisher.publish('', names.deadLetters, message.content, {
    messageId: messageId ?? 'unknown',
    contentType,
    type,
    timestamp,
    headers: values
  })
}

/**
 * Sends a parked delivery back to its receiver's queue with a fresh
 * attempt count, or a notification that matched no route back to the
 * routing stage, where the current routes apply.
 */
async function replay (
  publisher: ConfirmPublisher,
  names: TopologyNames,
  message: GetMessage,
  letter: DeadLetter
): Promise<void> {
  const replayHeaders = { ...(message.properties.headers ?? {}) }
  for (const name of failureHeaders) Reflect.deleteProperty(replayHeaders, name)
  const toRouting = letter.receiver === ''
  await publisher.publish(
    toRouting ? names.ingest : names.deliver,
    toRouting ? names.routeKey : letter.receiver,
    message.content,
    {
      messageId: letter.messageId,
      contentType: 'application/json',
      type: message.properties.type,
      headers: {
        ...replayHeaders,
        [headers.attempts]: 0,
        [headers.replays]: (headerNumber(message.properties.headers, headers.replays) ?? 0) + 1
      }
    }
  )
}
