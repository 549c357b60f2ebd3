import type { Channel } from 'amqplib'
import { headers } from './messages.js'

/*
 * Every exchange, queue and routing key of the relay, and the function that
 * declares them. Both programs run it after each (re)connect, so a broker
 * that lost its definitions gets them back. Queues are quorum queues (or a
 * stream for the duplicate records) so that the same topology runs
 * replicated on a RabbitMQ cluster.
 */

export interface TopologyNames {
  /** Direct exchange the server publishes accepted notifications to. */
  ingest: string
  /** Queue of accepted notifications, consumed by the routing stage. */
  route: string
  routeKey: string
  /** Direct exchange of deliveries, keyed by receiver name. */
  deliver: string
  /** Headers exchange of the retry tiers, keyed by the `retry-tier` header. */
  retry: string
  deadLetters: string
  prefix: string
}

export function topologyNames (prefix: string): TopologyNames {
  return {
    ingest: `${prefix}.ingest`,
    route: `${prefix}.route`,
    routeKey: 'notification',
    deliver: `${prefix}.deliver`,
    retry: `${prefix}.retry`,
    deadLetters: `${prefix}.dead-letters`,
    prefix
  }
}

export function deliveryQueue (names: TopologyNames, receiver: string): string {
  return `${names.deliver}.${receiver}`
}

export function retryQueue (names: TopologyNames, tierMs: number): string {
  return `${names.retry}.${tierMs}ms`
}

/**
 * Name of the stream of duplicate-detection records. The window is part of
 * the name because a stream's max-age cannot change once declared: a new
 * window starts a new stream, and the records of the old one are ignored.
 */
export function dedupStream (names: TopologyNames, windowSeconds: number): string {
  return `${names.prefix}.dedup.${windowSeconds}s`
}

const quorum = { 'x-queue-type': 'quorum' }

/** Declares what the server needs: the ingest exchange and the route queue. */
export async function assertIngest (channel: Channel, names: TopologyNames): Promise<void> {
  await channel.assertExchange(names.ingest, 'direct', { durable: true })
  await channel.assertQueue(names.route, {
    durable: true,
    arguments: { ...quorum, 'x-single-active-consumer': true }
  })
  await channel.bindQueue(names.route, names.ingest, names.routeKey)
}

export interface DeliveryTopology {
  receivers: string[]
  retryTiersMs: number[]
}

/**
 * Declares one delivery queue per receiver, the retry tiers and the dead
 * letter queue. A retry tier keeps a message until its TTL (or its own
 * shorter expiration) runs out, then dead-letters it back to the deliver
 * exchange under its original routing key: the receiver's name.
 */
export async function assertDelivery (
  channel: Channel,
  names: TopologyNames,
  topology: DeliveryTopology
): Promise<void> {
  await assertIngest(channel, names)
  await channel.assertExchange(names.deliver, 'direct', { durable: true })
  await channel.assertExchange(names.retry, 'headers', { durable: true })
  for (const receiver of topology.receivers) {
    const queue = deliveryQueue(names, receiver)
    await channel.assertQueue(queue, { durable: true, arguments: quorum })
    await channel.bindQueue(queue, names.deliver, receiver)
  }
  for (const tier of topology.retryTiersMs) {
    const queue = retryQueue(names, tier)
    await channel.assertQueue(queue, {
      durable: true,
      arguments: {
        ...quorum,
        'x-message-ttl': tier,
        'x-dead-letter-exchange': names.deliver,
        // At-least-once dead-lettering keeps a message in the tier until the
        // deliver exchange's queue confirmed it, and requires reject-publish.
        'x-dead-letter-strategy': 'at-least-once',
        'x-overflow': 'reject-publish'
      }
    })
    await channel.bindQueue(queue, names.retry, '', { 'x-match': 'all', [headers.retryTier]: String(tier) })
  }
  await channel.assertQueue(names.deadLetters, { durable: true, arguments: quorum })
}

export async function assertDedupStream (
  channel: Channel,
  names: TopologyNames,
  windowSeconds: number
): Promise<string> {
  const stream = dedupStream(names, windowSeconds)
  await channel.assertQueue(stream, {
    durable: true,
    arguments: {
      'x-queue-type': 'stream',
      // Retention drops whole segments, so small segments keep the replay
      // at start-up close to the window.
      'x-max-age': `${Math.max(windowSeconds, 1)}s`,
      'x-stream-max-segment-size-bytes': 1_000_000
    }
  })
  return stream
}
