import { randomUUID } from 'node:crypto'
import { setTimeout as delay } from 'node:timers/promises'
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib'
import type { Logger } from 'pino'
import type { Backend } from '../../backends/backend.js'
import { Broker, closeTimeoutMs, defaultMaxReconnectDelayMs, guardChannel, watchChannel } from '../broker/connection.js'
import { headerNumber, headers } from '../broker/messages.js'
import { ConfirmPublisher } from '../broker/publisher.js'
import {
  assertDedupStream,
  assertDelivery,
  deliveryQueue,
  queueNames,
  topologyNames
} from '../broker/topology.js'
import type { Config } from '../config.js'
import { retryTiers } from '../config.js'
import type { ConsumerMetrics } from '../metrics.js'
import type { RoutingTable } from '../routing/types.js'
import { PublishError } from '../errors.js'
import { withTimeout } from '../timeout.js'
import type { PipelineContext } from './context.js'
import { DedupStore, type DedupRecord } from './dedup.js'
import { routeMessage } from './router.js'
import { attemptLimitMs, deliverMessage } from './worker.js'

/** Time each backend gets to close when the consumer stops, in ms. */
const backendCloseTimeoutMs = 2000

export interface DeliveryConsumerOptions {
  config: Config
  logger: Logger
  routing: RoutingTable
  backends: Map<string, Backend>
  metrics: ConsumerMetrics
}

/** Wait before a failed message goes back to its queue, to avoid a hot loop. */
const requeueDelayMs = 1000
const barrierTimeoutMs = 30_000
/**
 * How long a handled delivery attempt is remembered. Redeliveries after a
 * lost connection or a restart come within seconds; a short time keeps
 * the memory per delivery small.
 */
const handledRecordTtlMs = 5 * 60_000
/**
 * Time a claim on a delivery attempt lasts beyond the attempt's own limit,
 * so that its owner can store its record, also after a reconnect. Another
 * process waits this long for a claim whose owner died mid-attempt.
 */
const claimMarginMs = 15_000
/**
 * Time a claim lasts at least after this process reconnects. The claim's
 * owner, cut off by the same outage, reconnects within the maximum
 * reconnect delay and then needs the claim margin to store its record.
 */
const outageGraceMs = defaultMaxReconnectDelayMs + claimMarginMs

/** Publishes a handled delivery's record to the duplicate records stream. */
async function publishRecord (publisher: ConfirmPublisher, stream: string, record: DedupRecord): Promise<void> {
  await publisher.publish('', stream, Buffer.from(JSON.stringify(record)), { messageId: record.key })
}

/**
 * The consumer program's pipeline: the routing stage on the route queue
 * and one delivery stage per receiver, each on its own queue so that
 * receivers succeed, fail and retry independently.
 */
export class DeliveryConsumer {
  readonly context: PipelineContext
  readonly #options: DeliveryConsumerOptions
  #broker: Broker | null = null
  #publisher: ConfirmPublisher | null = null
  #consumers: Array<{ channel: Channel, tag: string }> = []
  /** Channels of the current connection, closed one by one on stop. */
  #channels: Channel[] = []
  #ready = false
  #stopping = false
  readonly #inFlight = new Set<Promise<void>>()
  #barrier: Promise<void> | null = null
  /** Identifies this process's claims in the duplicate records stream. */
  readonly #owner = randomUUID()
  /** Handled records whose publish failed, stored again after a reconnect. */
  #unstored: DedupRecord[] = []
  /** When the connection was lost, until the next one is set up. */
  #lostAt: number | null = null

  constructor (options: DeliveryConsumerOptions) {
    const { config } = options
    this.#options = options
    const windowSeconds = config.DEDUP_WINDOW_SECONDS
    const names = topologyNames(config.AMQP_PREFIX)
    this.context = {
      names,
      deliveryTimeoutMs: config.DELIVERY_TIMEOUT_MS,
      logger: options.logger,
      metrics: options.metrics,
      routing: options.routing,
      backends: options.backends,
      retry: {
        maxAttempts: config.DELIVERY_MAX_ATTEMPTS,
        baseDelayMs: config.RETRY_BASE_DELAY_MS,
        tiersMs: retryTiers(config)
      },
      dedup: windowSeconds > 0
        ? { store: new DedupStore(windowSeconds * 1000), stream: '' }
        : undefined,
      publisher: () => this.#publisher
    }
  }

  /** True while every channel is open and consuming. */
  get ready (): boolean {
    return this.#ready && !this.#stopping && this.#broker?.blocked !== true
  }

  async start (): Promise<void> {
    this.#broker = await Broker.open({
      url: this.#options.config.AMQP_URL,
      logger: this.#options.logger,
      connectionName: `sqreen-relay consumer ${this.#options.config.AMQP_PREFIX}`,
      alarmProbeKey: this.context.names.alarmProbe,
      setup: async (model) => { await this.#setup(model) },
      onDisconnect: () => { this.#lost() }
    })
  }

  /** Resolves once the first connection is set up and consuming. */
  async waitForReady (): Promise<void> {
    await this.#broker?.waitForConnect()
  }

  /**
   * Stops fetching, lets the deliveries in flight finish (up to
   * SHUTDOWN_TIMEOUT_MS), then closes the connection and the backends.
   * Anything still unacknowledged goes back to its queue.
   */
  async stop (): Promise<void> {
    this.#stopping = true
    // A blocked broker processes nothing sent to it, not even a cancel or a
    // channel close, and amqplib then closes the connection at once. The
    // messages not acknowledged are delivered again.
    const blocked = (): boolean => this.#broker?.blocked === true
    // Each step is bounded too, for a broker that blocks without saying so.
    const step = async (work: () => Promise<unknown>): Promise<void> => {
      if (blocked()) return
      await withTimeout(work(), closeTimeoutMs, () => new Error('no response from the broker')).catch(() => {})
    }
    await step(async () => await Promise.all(this.#consumers.map(async ({ channel, tag }) => await channel.cancel(tag))))
    const settled = Promise.allSettled([...this.#inFlight])
    await Promise.race([settled, delay(this.#options.config.SHUTDOWN_TIMEOUT_MS, undefined, { ref: false })])
    // Closing a channel waits for the broker to process what was sent on it.
    // Closing only the connection can drop the last acknowledgements, and
    // their messages would be delivered again.
    await step(async () => await Promise.all(this.#channels.map(async (channel) => await channel.close())))
    await this.#broker?.close()
    // A backend still connecting to a peer that never responds must not
    // hold the process past its grace period.
    await Promise.all([...this.#options.backends.values()].map(async (backend) => {
      const closing = backend.close?.() ?? Promise.resolve()
      await withTimeout(closing, backendCloseTimeoutMs, () => new Error(`not closed within ${backendCloseTimeoutMs} ms`))
        .catch((err: unknown) => {
          this.#options.logger.warn({ err, backend: backend.name }, 'backend close failed')
        })
    }))
  }

  /** Ready messages per queue, for the queue depth metric. */
  async queueDepths (): Promise<Record<string, number>> {
    if (this.#broker?.connected !== true) return {}
    const { names, retry } = this.context
    const queues = queueNames(names, { receivers: this.#receivers(), retryTiersMs: retry.tiersMs })
    const channel = guardChannel(await this.#broker.createChannel())
    const depths: Record<string, number> = {}
    try {
      for (const queue of queues) {
        depths[queue] = (await channel.checkQueue(queue)).messageCount
      }
    } finally {
      await channel.close().catch(() => {})
    }
    return depths
  }

  #receivers (): string[] {
    return this.#options.routing.receivers.map((receiver) => receiver.name)
  }

  async #setup (model: ChannelModel): Promise<void> {
    const { names, retry, dedup } = this.context
    const config = this.#options.config
    if (this.#lostAt !== null) dedup?.store.noteOutage(this.#lostAt, Date.now(), outageGraceMs)
    const admin = guardChannel(await model.createChannel())
    await assertDelivery(admin, names, { receivers: this.#receivers(), retryTiersMs: retry.tiersMs })
    if (dedup !== undefined) {
      dedup.stream = await assertDedupStream(admin, names, config.DEDUP_WINDOW_SECONDS)
    }
    await admin.close()

    this.#channels = []
    const confirm = await model.createConfirmChannel()
    this.#watch(confirm)
    // Set before any consumer starts, so the first messages can be routed.
    this.#publisher = new ConfirmPublisher(confirm)
    this.#consumers = []
    this.#barrier = null
    if (dedup !== undefined) {
      await this.#storeUnstored(this.#publisher, dedup.stream)
      await this.#tailDedupStream(model, dedup.store, dedup.stream)
    }

    const router = await model.createChannel()
    this.#watch(router)
    await router.prefetch(config.CONSUMER_PREFETCH)
    await this.#consume(router, names.route, (message) => this.#route(router, message))

    const worker = await model.createChannel()
    this.#watch(worker)
    // Per-consumer prefetch: a slow receiver cannot use up another's credit.
    await worker.prefetch(config.CONSUMER_PREFETCH, false)
    for (const receiver of this.#receivers()) {
      await this.#consume(worker, deliveryQueue(names, receiver), (message) => this.#deliver(worker, receiver, message))
    }
    this.#ready = true
    this.#lostAt = null
    this.#options.metrics.brokerConnected.set(1)
  }

  async #tailDedupStream (model: ChannelModel, store: DedupStore, stream: string): Promise<void> {
    const tail = await model.createChannel()
    this.#watch(tail)
    await tail.prefetch(1000)
    const { consumerTag } = await tail.consume(stream, (message) => {
      if (message === null) return void this.#reset('dedup stream consumer cancelled')
      store.apply(message.content)
      tail.ack(message)
    }, { noAck: false, arguments: { 'x-stream-offset': 'first' } })
    this.#consumers.push({ channel: tail, tag: consumerTag })
  }

  async #consume (
    channel: Channel,
    queue: string,
    handle: (message: ConsumeMessage) => Promise<void>
  ): Promise<void> {
    const { consumerTag } = await channel.consume(queue, (message) => {
      if (message === null) return void this.#reset(`consumer of ${queue} cancelled by the broker`)
      const work = handle(message)
      this.#inFlight.add(work)
      void work.finally(() => this.#inFlight.delete(work))
    }, { noAck: false })
    this.#consumers.push({ channel, tag: consumerTag })
  }

  async #route (channel: Channel, message: ConsumeMessage): Promise<void> {
    const messageId = message.properties.messageId
    const logger = this.#options.logger.child({ stage: 'route', messageId })
    try {
      if (this.context.dedup !== undefined) {
        await this.#catchUp()
      }
      const outcome = await routeMessage(this.context, message)
      channel.ack(message)
      this.#countRoute(outcome, message, logger)
    } catch (err) {
      logger.error({ err }, 'routing failed, message requeued')
      await this.#requeue(channel, message)
    }
  }

  #countRoute (outcome: string, message: ConsumeMessage, logger: Logger): void {
    const { metrics } = this.#options
    const type = message.properties.type ?? 'unknown'
    const requestId = message.properties.headers?.['x-request-id']
    if (outcome === 'routed') {
      metrics.notificationsRouted.inc()
      logger.debug({ requestId, type }, 'notification routed')
    } else if (outcome === 'unmatched') {
      metrics.notificationsUnmatched.inc({ type })
      logger.warn({ requestId, type }, 'no route matched, notification moved to dead letters')
    } else if (outcome === 'duplicate') {
      metrics.duplicates.inc()
      logger.info({ requestId, type }, 'duplicate notification skipped')
    }
  }

  async #deliver (channel: Channel, receiver: string, message: ConsumeMessage): Promise<void> {
    const dedup = this.context.dedup
    try {
      if (dedup === undefined) {
        await deliverMessage(this.context, receiver, message)
      } else {
        // A restarted process must know the attempts handled before it.
        await this.#catchUp()
        await this.#deliverOnce(dedup, receiver, message)
      }
      channel.ack(message)
    } catch (err) {
      this.#options.logger.warn({ err, receiver, messageId: message.properties.messageId },
        'delivery not acknowledged, the broker will redeliver it')
      await this.#requeue(channel, message)
    }
  }

  /**
   * Runs one delivery attempt unless it was already handled. After a lost
   * connection the broker redelivers what was not acknowledged, possibly to
   * another process, and a notification routed twice yields two deliveries
   * with the same message id. So the attempt is first claimed in the
   * stream, and each handled attempt is recorded in memory and in the
   * stream before its acknowledgement.
   */
  async #deliverOnce (
    dedup: NonNullable<PipelineContext['dedup']>,
    receiver: string,
    message: ConsumeMessage
  ): Promise<void> {
    const messageId = message.properties.messageId ?? ''
    const attempts = headerNumber(message.properties.headers, headers.attempts) ?? 0
    const replays = headerNumber(message.properties.headers, headers.replays) ?? 0
    const key = `handled:${receiver}:${messageId}:${replays}:${attempts}`
    const logger = this.#options.logger.child({ receiver, messageId, attempts })
    await dedup.store.withKey(key, async () => {
      const leaseMs = attemptLimitMs(this.context, receiver) + claimMarginMs
      if (!await this.#claim(dedup, key, messageId, leaseMs, logger)) return
      await deliverMessage(this.context, receiver, message)
      const record = { key, messageId, at: Date.now(), ttlMs: handledRecordTtlMs }
      dedup.store.remember(record)
      // Not awaited: the in-memory record covers this process.
      this.#storeRecord(record, dedup.stream, logger)
    })
  }

  /**
   * Publishes a handled record to the stream, where a process waiting on
   * the attempt's claim reads it. A record that cannot be published now,
   * because the connection is lost or was lost while publishing, is stored
   * on the next connection, so that the waiting process does not send the
   * delivery again once the claim expires.
   */
  #storeRecord (record: DedupRecord, stream: string, logger: Logger): void {
    const publisher = this.#publisher
    if (publisher === null) {
      logger.debug({ key: record.key }, 'handled record kept for the next connection')
      this.#unstored.push(record)
      return
    }
    publishRecord(publisher, stream, record)
      .catch((err: unknown) => {
        logger.debug({ err, key: record.key }, 'handled record not stored, trying again')
        // Once the next connection has stored the kept records, a record
        // kept now would wait for the one after, so it goes out at once.
        if (this.#publisher !== null && this.#publisher !== publisher) this.#storeRecord(record, stream, logger)
        else this.#unstored.push(record)
      })
  }

  /**
   * Claims a delivery attempt for this process. Returns false when the
   * attempt was handled already. While another process has a live claim,
   * it waits for that process's record, or for the claim to expire when
   * the process died mid-attempt.
   */
  async #claim (
    dedup: NonNullable<PipelineContext['dedup']>,
    key: string,
    messageId: string,
    leaseMs: number,
    logger: Logger
  ): Promise<boolean> {
    for (;;) {
      if (dedup.store.verdict(key, messageId) !== 'new') {
        logger.info('delivery attempt already handled, skipped')
        return false
      }
      const holder = dedup.store.claimHolder(key)
      if (holder !== undefined && holder.owner !== this.#owner) {
        const waitMs = holder.expiresAt - Date.now()
        logger.info({ waitMs }, 'delivery attempt claimed by another consumer, waiting')
        await dedup.store.waitForRecord(key, waitMs)
        continue
      }
      const publisher = this.#publisher
      if (publisher === null) throw new PublishError('no open confirm channel')
      const claim = dedup.store.claim(key, this.#owner, leaseMs)
      try {
        await publisher.publish('', dedup.stream, claim.content, { messageId: `claim:${key}` })
        if (await withTimeout(claim.won, barrierTimeoutMs, () => new Error('claim not read back from the stream in time'))) return true
      } finally {
        dedup.store.forgetClaim(claim.id)
      }
    }
  }

  /** Publishes the handled records that a lost connection kept from the stream. */
  async #storeUnstored (publisher: ConfirmPublisher, stream: string): Promise<void> {
    const now = Date.now()
    const records = this.#unstored.filter((record) => record.at + (record.ttlMs ?? 0) > now)
    this.#unstored = []
    try {
      await Promise.all(records.map(async (record) => { await publishRecord(publisher, stream, record) }))
    } catch (err) {
      this.#unstored.push(...records)
      throw err
    }
  }

  /**
   * Waits until this process has read every duplicate record written so
   * far: it appends a marker to the stream and waits to read it back. Runs
   * once per connection, before the first message is routed or delivered.
   * The route queue has a single active consumer, so a process that takes
   * over from one that died starts routing only after this catch-up.
   */
  async #catchUp (): Promise<void> {
    const dedup = this.context.dedup
    if (dedup === undefined) return
    this.#barrier ??= (async () => {
      const publisher = this.#publisher
      if (publisher === null) throw new Error('no open confirm channel')
      const { content, seen } = dedup.store.marker()
      await publisher.publish('', dedup.stream, content, { messageId: 'dedup-marker' })
      await Promise.race([seen, delay(barrierTimeoutMs).then(() => {
        throw new Error('the duplicate records stream did not catch up in time')
      })])
    })()
    try {
      await this.#barrier
    } catch (err) {
      this.#barrier = null
      throw err
    }
  }

  async #requeue (channel: Channel, message: ConsumeMessage): Promise<void> {
    if (!this.#stopping) await delay(requeueDelayMs)
    try {
      channel.nack(message, false, true)
    } catch {
      // The channel is gone: the broker requeues the message by itself.
    }
  }

  #watch (channel: Channel): void {
    this.#channels.push(channel)
    watchChannel(channel, (reason) => { void this.#reset(reason) })
  }

  async #reset (reason: string): Promise<void> {
    if (this.#stopping) return
    this.#lost()
    await this.#broker?.reset(reason)
  }

  #lost (): void {
    this.#lostAt ??= Date.now()
    this.#ready = false
    this.#publisher = null
    this.#options.metrics.brokerConnected.set(0)
  }
}
