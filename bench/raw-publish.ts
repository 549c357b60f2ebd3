import { randomUUID } from 'node:crypto'
import { connect, type ConfirmChannel } from 'amqplib'
import { summarize, type LatencySummary } from './stats.js'

/*
 * The broker limit: amqplib publishes straight to a quorum queue like the
 * relay's route queue, persistent and mandatory, with the relay's message
 * properties and content, keeping a fixed number of publishes in flight
 * on one confirm channel. Nothing else runs while it measures.
 */

export interface RawPublishOptions {
  url: string
  /** Prefix of the exchange and queue this measurement declares and deletes. */
  prefix: string
  content: Buffer
  inFlight: number
  warmupMs: number
  durationMs: number
}

export interface RawPublishResult {
  inFlight: number
  confirmed: number
  ratePerSecond: number
  /** Publish to confirm, per message, in ms. */
  confirmLatency: LatencySummary
  /** Publishes the broker returned as unroutable or nacked; 0 when all went well. */
  failed: number
}

export async function measureRawPublish (options: RawPublishOptions): Promise<RawPublishResult> {
  const exchange = `${options.prefix}.raw`
  const queue = `${options.prefix}.raw`
  const model = await connect(options.url)
  try {
    const channel = await model.createConfirmChannel()
    await channel.assertExchange(exchange, 'direct', { durable: true })
    await channel.assertQueue(queue, {
      durable: true,
      arguments: { 'x-queue-type': 'quorum', 'x-single-active-consumer': true }
    })
    await channel.bindQueue(queue, exchange, 'notification')
    try {
      await publishFor(channel, exchange, options, options.warmupMs)
      const result = await publishFor(channel, exchange, options, options.durationMs)
      return { inFlight: options.inFlight, ...result }
    } finally {
      await channel.deleteQueue(queue)
      await channel.deleteExchange(exchange)
    }
  } finally {
    await model.close()
  }
}

/**
 * Publishes with `inFlight` unconfirmed messages for `durationMs`, then
 * waits for the last confirms.
 */
async function publishFor (
  channel: ConfirmChannel,
  exchange: string,
  options: RawPublishOptions,
  durationMs: number
): Promise<Omit<RawPublishResult, 'inFlight'>> {
  const latencies: number[] = []
  let failed = 0
  let returned = 0
  const onReturn = (): void => { returned++ }
  channel.on('return', onReturn)
  const start = performance.now()
  const end = start + durationMs
  await new Promise<void>((resolve) => {
    let outstanding = 0
    const publishOne = (): void => {
      const sentAt = performance.now()
      outstanding++
      // publish returns false once amqplib's write buffer is full. Like the
      // relay's publisher, this loop does not wait for 'drain', because the
      // window of unconfirmed messages bounds what amqplib buffers.
      channel.publish(exchange, 'notification', options.content, {
        ...messageProperties(),
        persistent: true,
        mandatory: true
      }, (err: unknown) => {
        outstanding--
        if (err !== null && err !== undefined) failed++
        else latencies.push(performance.now() - sentAt)
        if (performance.now() < end) publishOne()
        else if (outstanding === 0) resolve()
      })
    }
    for (let index = 0; index < options.inFlight; index++) publishOne()
  })
  channel.off('return', onReturn)
  const seconds = (performance.now() - start) / 1000
  return {
    confirmed: latencies.length,
    ratePerSecond: latencies.length / seconds,
    confirmLatency: summarize(latencies),
    failed: failed + returned
  }
}

/** Builds the properties the relay's server sets on each notification it publishes. */
function messageProperties (): object {
  const receivedAt = Date.now()
  return {
    messageId: randomUUID(),
    contentType: 'application/json',
    timestamp: Math.floor(receivedAt / 1000),
    type: 'security_event',
    headers: {
      'x-request-id': randomUUID(),
      'x-received-at': receivedAt,
      'x-notification-type': 'security_event'
    }
  }
}
