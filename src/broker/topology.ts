import type { Channel } from 'amqplib'

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
  /** Direct exchange of the retry queues, keyed by `<receiver>.<tier ms>`. */
  retry: string
  deadLetters: string
  /** Routing key of the alarm probe, which no queue is bound to. */
  alarmProbe: string
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
    alarmProbe: `${prefix}.alarm-probe`,
    prefix
  }
}

export function deliveryQueue (names: TopologyNames, receiver: string): string {
  return `${names.deliver}.${receiver}`
}

/** Routing key of a receiver's retry queue for one tier. */
export function retryKey (receiver: string, tierMs: number): string {
  return `${receiver}.${tierMs}`
}

export function retryQueue (names: TopologyNames, receiver: string, tierMs: number): string {
  return `${names.retry}.${receiver}.${tierMs}ms`
}

/**
 * Name of the stream of duplicate-detection records. The window is part of
 * the name because a stream's max-age cannot change once declared: a new
 * window starts a new stream, and the records of the old one are ignored.
 */
export function dedupStream (names: TopologyNames, windowSeconds: number): string {
  return `${names.prefix}.dedup.${windowSeconds}s`
}

/** Names of the route, dead-letter, delivery and retry queues, in that order. */
export function queueNames (names: TopologyNames, topology: DeliveryTopology): string[] {
  return [
    names.route,
    names.deadLetters,
    ...topology.receivers.flatMap((receiver) => [
      deliveryQueue(names, receiver),
      ...topology.retryTiersMs.map((tier) => retryQueue(names, receiver, tier))
    ])
  ]
}

const quorum = { 'x-queue-type': 'quorum' }

/**
 * Arguments of the queues the consumer reads. A quorum queue drops a
 * message redelivered more often than its delivery limit (20 by default
 * from RabbitMQ 4.0, unset before) unless it has a dead-letter target:
 * with these, such a message goes to the dead letters, at least once.
 */
function consumedQueue (names: TopologyNames): Record<string, unknown> {
  return {
    ...quorum,
    'x-dead-letter-exchange': '',
    'x-dead-letter-routing-key': names.deadLetters,
    'x-dead-letter-strategy': 'at-least-once',
    'x-overflow': 'reject-publish'
  }
}

/** Declares what the server needs: the ingest exchange and the route queue. */
export async function assertIngest (channel: Channel, names: TopologyNames): Promise<void> {
  await channel.assertExchange(names.ingest, 'direct', { durable: true })
  await channel.assertQueue(names.route, {
    durable: true,
    arguments: { ...consumedQueue(names), 'x-single-active-consumer': true }
  })
  await channel.bindQueue(names.route, names.ingest, names.routeKey)
}

export interface DeliveryTopology {
  receivers: string[]
  retryTiersMs: number[]
}

/**
 * Declares one delivery queue per receiver, its retry queues and the dead
 * letter queue. A retry queue keeps a message until its TTL (or its own
 * shorter expiration) runs out, then dead-letters it back to the deliver
 * exchange under the receiver's name. Each receiver has its own retry
 * queues: expiry happens only at the head of a queue, so a shared queue
 * would let one receiver's long wait delay another's retry.
 */
export async function assertDelivery (
  channel: Channel,
  names: TopologyNames,
  topology: DeliveryTopology
): Promise<void> {
  await assertIngest(channel, names)
  await channel.assertExchange(names.deliver, 'direct', { durable: true })
  await channel.assertExchange(names.retry, 'direct', { durable: true })
  for (const receiver of topology.receivers) {
    const queue = deliveryQueue(names, receiver)
    await channel.assertQueue(queue, { durable: true, arguments: consumedQueue(names) })
    await channel.bindQueue(queue, names.deliver, receiver)
    for (const tier of topology.retryTiersMs) {
      await assertRetryQueue(channel, names, receiver, tier)
    }
  }
  await channel.assertQueue(names.deadLetters, { durable: true, arguments: quorum })
}

async function assertRetryQueue (channel: Channel, names: TopologyNames, receiver: string, tier: number): Promise<void> {
  const queue = retryQueue(names, receiver, tier)
  await channel.assertQueue(queue, {
    durable: true,
    arguments: {
      ...quorum,
      'x-message-ttl': tier,
      'x-dead-letter-exchange': names.deliver,
      'x-dead-letter-routing-key': receiver,
      // At-least-once dead-lettering keeps a message in the queue until the
      // delivery queue confirmed it, and requires reject-publish.
      'x-dead-letter-strategy': 'at-least-once',
      'x-overflow': 'reject-publish'
    }
  })
  await channel.bindQueue(queue, names.retry, retryKey(receiver, tier))
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
