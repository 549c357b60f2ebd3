import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  type Registry
} from 'prom-client'

/*
 * Prometheus metrics of the server and of the consumer. Each program builds
 * its own Registry and passes it in, so tests can build several sets side by
 * side. Nothing is registered on prom-client's global registry. Creating the
 * same set twice on one registry throws, because prom-client rejects
 * duplicate metric names.
 */

const prefix = 'sqreen_relay_'

/** Buckets in seconds for request, confirm and channel latencies: 1 ms to 10 s. */
export const latencyBuckets = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
]

/**
 * Buckets in seconds from receipt to delivery. A delivery that waited in the
 * retry queues arrives minutes later, so the buckets go on to one hour.
 */
export const deliveryLatencyBuckets = [
  ...latencyBuckets, 30, 60, 300, 900, 1800, 3600
]

export const deliveryOutcomes = ['delivered', 'retried', 'dead_lettered'] as const
export type DeliveryOutcome = typeof deliveryOutcomes[number]

/** Names of the server's metrics, without prom-client's process metrics. */
export const serverMetricNames = [
  `${prefix}http_requests_total`,
  `${prefix}http_request_duration_seconds`,
  `${prefix}notifications_accepted_total`,
  `${prefix}publish_confirm_duration_seconds`,
  `${prefix}broker_connected`
] as const

/** Names of the consumer's metrics, without prom-client's process metrics. */
export const consumerMetricNames = [
  `${prefix}notifications_routed_total`,
  `${prefix}notifications_unmatched_total`,
  `${prefix}duplicates_total`,
  `${prefix}deliveries_total`,
  `${prefix}delivery_latency_seconds`,
  `${prefix}retries_total`,
  `${prefix}dead_letters_total`,
  `${prefix}queue_messages`,
  `${prefix}broker_connected`
] as const

export interface ServerMetrics {
  registry: Registry
  httpRequests: Counter<'method' | 'route' | 'status_code'>
  httpRequestDuration: Histogram<'method' | 'route'>
  notificationsAccepted: Counter<'type'>
  /** Time from publishing one batch to the broker confirming all of it. */
  publishConfirmDuration: Histogram
  /** 1 while the broker channel is open, otherwise 0. */
  brokerConnected: Gauge
}

export interface ConsumerMetrics {
  registry: Registry
  notificationsRouted: Counter
  notificationsUnmatched: Counter<'type'>
  duplicates: Counter
  deliveries: Counter<'receiver' | 'outcome'>
  /** Time from the server receiving a notification to the channel accepting it. */
  deliveryLatency: Histogram<'receiver'>
  retries: Counter<'receiver'>
  deadLetters: Counter<'receiver'>
  /** Messages ready in each queue, read from the broker on every scrape. */
  queueMessages: Gauge<'queue'>
  /** 1 while the broker channel is open, otherwise 0. */
  brokerConnected: Gauge
}

export interface ConsumerMetricsOptions {
  /** Reads the number of ready messages of each queue, keyed by queue name. */
  queueDepths?: () => Promise<Record<string, number>>
  /** Called when `queueDepths` rejects; the scrape then has no queue values. */
  onQueueDepthsError?: (err: unknown) => void
}

/** Creates the server's metrics and prom-client's process metrics on `registry`. */
export function createServerMetrics (registry: Registry): ServerMetrics {
  const registers = [registry]
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    httpRequests: new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP responses sent, by method, route pattern and status code',
      labelNames: ['method', 'route', 'status_code'] as const,
      registers
    }),
    httpRequestDuration: new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'Time from receiving an HTTP request to sending its response',
      labelNames: ['method', 'route'] as const,
      buckets: latencyBuckets,
      registers
    }),
    notificationsAccepted: new Counter({
      name: `${prefix}notifications_accepted_total`,
      help: 'Notifications confirmed by the broker, by Sqreen notification type',
      labelNames: ['type'] as const,
      registers
    }),
    publishConfirmDuration: new Histogram({
      name: `${prefix}publish_confirm_duration_seconds`,
      help: 'Time from publishing a batch to the broker confirming all of it',
      buckets: latencyBuckets,
      registers
    }),
    brokerConnected: createBrokerConnected(registers)
  }
}

/** Creates the consumer's metrics and prom-client's process metrics on `registry`. */
export function createConsumerMetrics (
  registry: Registry,
  options: ConsumerMetricsOptions = {}
): ConsumerMetrics {
  const registers = [registry]
  collectDefaultMetrics({ register: registry })
  return {
    registry,
    notificationsRouted: new Counter({
      name: `${prefix}notifications_routed_total`,
      help: 'Notifications the router matched to at least one receiver',
      registers
    }),
    notificationsUnmatched: new Counter({
      name: `${prefix}notifications_unmatched_total`,
      help: 'Notifications no route matched, by Sqreen notification type',
      labelNames: ['type'] as const,
      registers
    }),
    duplicates: new Counter({
      name: `${prefix}duplicates_total`,
      help: 'Notifications dropped because the same content was accepted recently',
      registers
    }),
    ...createDeliveryMetrics(registers),
    queueMessages: createQueueMessages(registers, options),
    brokerConnected: createBrokerConnected(registers)
  }
}

function createDeliveryMetrics (registers: Registry[]) {
  return {
    deliveries: new Counter({
      name: `${prefix}deliveries_total`,
      help: 'Delivery attempts by receiver and outcome (delivered, retried, dead_lettered)',
      labelNames: ['receiver', 'outcome'] as const,
      registers
    }),
    deliveryLatency: new Histogram({
      name: `${prefix}delivery_latency_seconds`,
      help: 'Time from the server receiving a notification to the channel accepting it',
      labelNames: ['receiver'] as const,
      buckets: deliveryLatencyBuckets,
      registers
    }),
    retries: new Counter({
      name: `${prefix}retries_total`,
      help: 'Deliveries scheduled for another attempt, by receiver',
      labelNames: ['receiver'] as const,
      registers
    }),
    deadLetters: new Counter({
      name: `${prefix}dead_letters_total`,
      help: 'Deliveries moved to the dead-letter queue, by receiver',
      labelNames: ['receiver'] as const,
      registers
    })
  }
}

function createQueueMessages (
  registers: Registry[],
  options: ConsumerMetricsOptions
): Gauge<'queue'> {
  const { queueDepths, onQueueDepthsError } = options
  return new Gauge({
    name: `${prefix}queue_messages`,
    help: 'Messages ready in each queue, read from the broker on every scrape',
    labelNames: ['queue'] as const,
    registers,
    async collect () {
      if (queueDepths === undefined) return
      // Values of a queue that no longer exists or could not be read must
      // not linger, so every scrape starts from an empty gauge.
      this.reset()
      try {
        const depths = await queueDepths()
        for (const [queue, count] of Object.entries(depths)) {
          this.set({ queue }, count)
        }
      } catch (err) {
        onQueueDepthsError?.(err)
      }
    }
  })
}

function createBrokerConnected (registers: Registry[]): Gauge {
  return new Gauge({
    name: `${prefix}broker_connected`,
    help: '1 while the broker channel is open, otherwise 0',
    registers
  })
}
