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
  /** `permanent`, `exhausted` (every attempt failed) or `unmatched` (no route). */
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
}

export type DeadLetterAction = 'list' | 'replay' | 'purge'

/** Headers that describe a failure, dropped when a message is replayed. */
const failureHeaders = [
  headers.attempts, headers.lastError, headers.errorKind, headers.firstFailedAt,
  headers.lastFailedAt, headers.deadLetteredAt, headers.retryTier, 'x-death', 'x-delivery-count'
]

export function describeDeadLetter (message: GetMessage): DeadLetter {
  const values = message.properties.headers ?? {}
  return {
    messageId: message.properties.messageId ?? 'unknown',
    requestId: headerString(values, headers.requestId),
    receiver: headerString(values, headers.receiver) ?? '',
    type: headerString(values, headers.notificationType) ?? message.properties.type ?? 'unknown',
    attempts: headerNumber(values, headers.attempts) ?? 0,
    kind: headerString(values, headers.errorKind) ?? 'unknown',
    lastError: headerString(values, headers.lastError) ?? '',
    completed: headerList(values, headers.completed),
    firstFailedAt: headerNumber(values, headers.firstFailedAt),
    deadLetteredAt: headerNumber(values, headers.deadLetteredAt),
    content: message.content
  }
}

/**
 * Walks the dead-letter queue and applies `action` to the messages that
 * match the filter. Every message taken stays unacknowledged until the
 * walk ends, so each message is read once. Replay and purge acknowledge
 * only the ones they handled, and closing the channel puts the rest back.
 */
export async function processDeadLetters (
  channel: ConfirmChannel,
  names: TopologyNames,
  action: DeadLetterAction,
  filter: DeadLetterFilter
): Promise<DeadLetter[]> {
  const publisher = new ConfirmPublisher(channel)
  const handled: DeadLetter[] = []
  // A failed operation closes the channel and also emits 'error'; the
  // rejected promise carries the same failure to the caller.
  channel.on('error', () => {})
  let parked: number
  try {
    parked = (await channel.checkQueue(names.deadLetters)).messageCount
  } catch (err) {
    throw new Error(`queue "${names.deadLetters}" not found: check AMQP_PREFIX, or start the consumer once to declare it`, { cause: err })
  }
  // Only the messages parked when the walk starts: a replayed message that
  // fails again comes back at the tail and must not be taken a second time.
  for (let taken = 0; taken < parked && handled.length < filter.limit; taken++) {
    const message = await channel.get(names.deadLetters, { noAck: false })
    if (message === false) break
    const letter = describeDeadLetter(message)
    if (filter.receiver !== undefined && letter.receiver !== filter.receiver) continue
    if (action === 'replay') await replay(publisher, names, message, letter)
    if (action !== 'list') channel.ack(message)
    handled.push(letter)
  }
  return handled
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
