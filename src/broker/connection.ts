import { connect, type Channel, type ChannelModel, type RecoveringChannelModel } from 'amqplib'
import type { Logger } from 'pino'
import { redactUrl } from '../logger.js'
import { withTimeout } from '../timeout.js'

/** Time the broker gets to answer a connection or channel close, in ms. */
export const closeTimeoutMs = 2000

/** Time between two alarm probes, in ms. */
const alarmProbeIntervalMs = 2000

export interface BrokerOptions {
  url: string
  logger: Logger
  /** Shown in the RabbitMQ management UI as the connection name. */
  connectionName: string
  /**
   * Opens the channels, declares the topology and starts the consumers.
   * Runs after the first connect and after every reconnect; when it throws,
   * the connection is dropped and retried.
   */
  setup: (model: ChannelModel) => Promise<void>
  /** Called when the connection is lost, before the reconnect is scheduled. */
  onDisconnect?: () => void
  maxReconnectDelayMs?: number
  /**
   * Routing key for the alarm probe: an empty message published to the
   * default exchange every few seconds, which no queue receives. During a
   * memory or disk alarm, RabbitMQ blocks a connection and sends
   * connection.blocked only once the connection publishes. Without the
   * probe, an idle connection learns of an alarm only at its next publish.
   */
  alarmProbeKey?: string
  alarmProbeIntervalMs?: number
}

/**
 * Maximum wait between two reconnect attempts, in ms, unless the options
 * set another. amqplib keeps its jitter within it.
 */
export const defaultMaxReconnectDelayMs = 10_000

/**
 * The relay's only reconnection layer: amqplib's own connection recovery,
 * with exponential backoff and jitter, and with each loss and recovery
 * logged. Channels live and die with one connection, so a delivery tag is
 * never acknowledged on a channel other than the one it came from.
 */
export class Broker {
  #model: ChannelModel | null = null
  #blocked = false
  #closing = false
  #stopProbe = (): void => {}
  readonly #connection: RecoveringChannelModel
  readonly #logger: Logger

  private constructor (connection: RecoveringChannelModel, logger: Logger) {
    this.#connection = connection
    this.#logger = logger
  }

  static async open (options: BrokerOptions): Promise<Broker> {
    const logger = options.logger.child({ component: 'amqp' })
    const connection = await connect(options.url, {
      clientProperties: { connection_name: options.connectionName },
      // Publishes, confirms and acks are small frames, and Nagle's algorithm
      // can hold one back until the broker's delayed ACK (40 ms on Linux).
      // With it the consumer delivered half as many per second in `npm run bench`.
      noDelay: true,
      recovery: {
        waitForConnect: false,
        initialDelay: 200,
        maxDelay: options.maxReconnectDelayMs ?? defaultMaxReconnectDelayMs,
        factor: 2,
        jitter: 0.2,
        maxRetries: Infinity,
        setup: async (model: ChannelModel) => {
          // amqplib's recovery listens to a new connection only once setup
          // is done, so a socket error during setup, such as a reset by a
          // proxy, would otherwise end the process as an uncaught error.
          // The pending setup fails with it, and recovery tries again.
          let settingUp = true
          model.on('error', (err: Error) => {
            if (settingUp) logger.warn({ err }, 'broker connection failed during set-up')
          })
          try {
            await options.setup(model)
          } finally {
            settingUp = false
          }
        }
      }
    })
    const broker = new Broker(connection, logger)
    const target = redactUrl(options.url)
    connection.on('connect', (model: ChannelModel) => {
      coalesceFrameWrites(model)
      broker.#model = model
      broker.#blocked = false
      broker.#stopProbe()
      if (options.alarmProbeKey !== undefined) {
        const intervalMs = options.alarmProbeIntervalMs ?? alarmProbeIntervalMs
        broker.#stopProbe = startAlarmProbe(model, options.alarmProbeKey, intervalMs, () => broker.#blocked)
      }
      logger.info({ url: target }, 'broker connected')
    })
    connection.on('disconnect', (err: Error) => {
      broker.#model = null
      broker.#blocked = false
      broker.#stopProbe()
      options.onDisconnect?.()
      logger.warn({ err, url: target }, 'broker connection lost')
    })
    connection.on('connect-failed', (err: Error) => {
      const { fix, needsOperator } = connectFailureFix(err)
      // A refused login or a missing virtual host does not heal by waiting,
      // so it is an error, but the relay keeps retrying in case it is fixed.
      logger[needsOperator ? 'error' : 'warn']({ err, url: target, fix }, 'broker connection failed')
    })
    connection.on('reconnect-scheduled', ({ attempt, delay }: { attempt: number, delay: number }) => {
      logger.info({ attempt, delayMs: delay }, 'broker reconnect scheduled')
    })
    connection.on('error', (err: Error) => {
      logger.warn({ err }, 'broker connection error')
    })
    connection.on('blocked', (reason: string) => {
      broker.#blocked = true
      logger.error({ reason }, 'broker blocked publishing')
    })
    connection.on('unblocked', () => {
      broker.#blocked = false
      logger.info('broker unblocked publishing')
    })
    return broker
  }

  get connected (): boolean {
    return this.#model !== null
  }

  /**
   * True while the broker refuses publishes on this connection, for example
   * during a memory or disk alarm. Nothing sent on it is processed then,
   * not even a channel close.
   */
  get blocked (): boolean {
    return this.#blocked
  }

  waitForConnect (): Promise<unknown> {
    return this.#connection.waitForConnect()
  }

  /**
   * Drops the current connection so that recovery opens a new one and runs
   * setup again. Used when a channel fails while its connection stays up.
   */
  async reset (reason: string): Promise<void> {
    const model = this.#model
    if (model === null || this.#closing) return
    this.#logger.warn({ reason }, 'reopening the broker connection')
    await model.close().catch(() => {})
  }

  /** A short-lived channel on the current connection, for one-off work. */
  async createChannel (): Promise<Channel> {
    return await this.#connection.createChannel()
  }

  /**
   * Closes the connection, waiting at most closeTimeoutMs for the broker,
   * which may have stopped reading from it during an alarm.
   */
  async close (): Promise<void> {
    this.#closing = true
    this.#stopProbe()
    await withTimeout(this.#connection.close(), closeTimeoutMs, () => new Error(`no response from the broker within ${closeTimeoutMs} ms`))
      .catch((err: unknown) => { this.#logger.warn({ err }, 'broker connection not closed cleanly') })
  }
}

/**
 * Publishes the alarm probe every `intervalMs` on a channel of its own
 * until the returned function is called. Skipped while the connection is
 * blocked, because RabbitMQ reads nothing from it then.
 */
function startAlarmProbe (model: ChannelModel, routingKey: string, intervalMs: number, isBlocked: () => boolean): () => void {
  let channel: Channel | null = null
  let stopped = false
  model.createChannel().then((opened) => {
    guardChannel(opened)
    if (stopped) void opened.close().catch(() => {})
    else channel = opened
  }, () => {
    // The connection is going away, and its loss is logged where it is handled.
  })
  const timer = setInterval(() => {
    if (channel === null || isBlocked()) return
    try {
      channel.publish('', routingKey, Buffer.alloc(0))
    } catch {
      // The channel closed with its connection, whose loss is handled elsewhere.
    }
  }, intervalMs)
  timer.unref()
  return () => {
    stopped = true
    clearInterval(timer)
  }
}

interface FrameMux {
  out: { cork: () => void, uncork: () => void }
  _readIncoming: () => void
}

/**
 * Makes amqplib write the frames of one pass of its frame multiplexer to
 * the socket in one system call. The multiplexer runs once per event loop
 * turn and writes each frame, a publish or an ack, on its own, which was
 * the consumer's largest cost in a profile of `npm run bench`. Skipped when
 * a later amqplib has no such multiplexer.
 */
export function coalesceFrameWrites (model: ChannelModel): void {
  const mux = (model as unknown as { connection?: { muxer?: Partial<FrameMux> } }).connection?.muxer
  if (typeof mux?._readIncoming !== 'function' || typeof mux.out?.cork !== 'function') return
  const { out } = mux as FrameMux
  const readIncoming = mux._readIncoming.bind(mux)
  mux._readIncoming = () => {
    out.cork()
    try {
      readIncoming()
    } finally {
      out.uncork()
    }
  }
}

/** Returns what to check when connecting to the broker failed, and whether an operator must act. */
export function connectFailureFix (err: Error & { code?: unknown }): { fix: string, needsOperator: boolean } {
  const text = `${String(err.code ?? '')} ${err.message}`
  if (/ACCESS[-_]REFUSED/.test(text)) {
    return { fix: 'check the user and password in AMQP_URL', needsOperator: true }
  }
  if (/RESOURCE[-_]LOCKED/.test(text)) {
    return {
      fix: 'another connection holds an exclusive queue of that name: stop it, or set another AMQP_PREFIX',
      needsOperator: true
    }
  }
  if (/PRECONDITION[-_]FAILED/.test(text)) {
    return {
      fix: 'a queue or exchange of that name exists with other settings: delete it, or set another AMQP_PREFIX',
      needsOperator: true
    }
  }
  // RabbitMQ refuses an unknown virtual host, or one the user may not use,
  // by closing the connection in reply to connection.open. amqplib reports
  // that close without its reason text.
  if (/NOT[-_]ALLOWED.*vhost|vhost.*not found|Expected ConnectionOpenOk; got <ConnectionClose/i.test(text)) {
    return { fix: 'check the virtual host in AMQP_URL and the user\'s permissions on it', needsOperator: true }
  }
  if (/ENOTFOUND|EAI_AGAIN/.test(text)) {
    return { fix: 'check the host name in AMQP_URL', needsOperator: false }
  }
  return { fix: 'check that RabbitMQ runs and listens at the host and port of AMQP_URL', needsOperator: false }
}

/**
 * Returns the channel with a listener for its errors, for a channel that
 * declares or checks queues. Without one, amqplib throws a channel error,
 * such as a queue that is down during a broker restart, as an uncaught
 * exception that ends the process. The failed operation rejects with the
 * same error instead: a failed setup makes recovery connect again with
 * backoff.
 */
export function guardChannel<T extends Channel> (channel: T): T {
  channel.on('error', () => {})
  return channel
}

/**
 * Calls `onFailure` when the channel closes or errors while its connection
 * is still wanted, so the caller can reset the connection.
 */
export function watchChannel (channel: Channel, onFailure: (reason: string) => void): void {
  channel.on('error', (err: Error) => { onFailure(`channel error: ${err.message}`) })
  channel.on('close', () => { onFailure('channel closed') })
}
