import type { ConsumeMessage } from 'amqplib'
import { headers } from '../broker/messages.js'
import type { ConfirmPublisher } from '../broker/publisher.js'
import { PublishError } from '../errors.js'
import { contentKey } from '../notifications/content-key.js'
import { normalize } from '../notifications/normalize.js'
import type { SqreenItem } from '../notifications/types.js'
import type { PipelineContext } from './context.js'

export type RouteOutcome = 'routed' | 'unmatched' | 'duplicate' | 'already-routed'

/**
 * Routes one accepted notification: publishes one delivery per receiver
 * and, once the broker confirmed them, records its content key for
 * duplicate detection. The caller acknowledges the message only after this
 * resolves, so a crash in between routes it again instead of losing it.
 */
export async function routeMessage (context: PipelineContext, message: ConsumeMessage): Promise<RouteOutcome> {
  const publisher = requirePublisher(context)
  const item = parseItem(message.content)
  // The key is computed here rather than by the server, which keeps the
  // webhook's per-notification work to what its 200 depends on.
  const key = contentKey(item)
  const messageId = message.properties.messageId ?? `content:${key}`
  const dedup = context.dedup
  if (dedup === undefined) return await deliver(context, publisher, message, item, messageId)

  return await dedup.store.withKey(key, async () => {
    const verdict = dedup.store.verdict(key, messageId)
    if (verdict !== 'new') return verdict
    const outcome = await deliver(context, publisher, message, item, messageId)
    // An unmatched notification is not recorded, so that a replay after a
    // routes fix is routed instead of skipped.
    if (outcome === 'unmatched') return outcome
    const record = { key, messageId, at: Date.now() }
    await publisher.publish('', dedup.stream, Buffer.from(JSON.stringify(record)), {
      messageId: `dedup:${messageId}`,
      contentType: 'application/json'
    })
    dedup.store.remember(record)
    return outcome
  })
}

async function deliver (
  context: PipelineContext,
  publisher: ConfirmPublisher,
  message: ConsumeMessage,
  item: SqreenItem,
  messageId: string
): Promise<RouteOutcome> {
  const notification = normalize(item)
  const receivers = context.routing.route(notification)
  const base = message.properties.headers ?? {}
  if (receivers.length === 0) {
    // Parked with its reason, so a routes file fixed later can replay it.
    await publisher.publish('', context.names.deadLetters, message.content, {
      messageId,
      contentType: 'application/json',
      type: message.properties.type,
      headers: {
        ...base,
        [headers.receiver]: '',
        [headers.attempts]: 0,
        [headers.errorKind]: 'unmatched',
        [headers.lastError]: `no route matched a ${notification.type} notification`,
        [headers.deadLetteredAt]: Date.now()
      }
    })
    return 'unmatched'
  }
  await Promise.all(receivers.map(async (receiver) => {
    await publisher.publish(context.names.deliver, receiver, message.content, {
      messageId,
      contentType: 'application/json',
      headers: { ...base, [headers.receiver]: receiver, [headers.attempts]: 0 }
    })
  }))
  return 'routed'
}

function requirePublisher (context: PipelineContext): ConfirmPublisher {
  const publisher = context.publisher()
  if (publisher === null) throw new PublishError('no open confirm channel')
  return publisher
}

/** Parses a queued notification; the server only queues valid JSON objects. */
export function parseItem (content: Buffer): SqreenItem {
  const value: unknown = JSON.parse(content.toString('utf8'))
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new TypeError('queued notification is not a JSON object')
  }
  return value as SqreenItem
}

