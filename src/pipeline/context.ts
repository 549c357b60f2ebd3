import type { Logger } from 'pino'
import type { Backend } from '../../backends/backend.js'
import type { ConfirmPublisher } from '../broker/publisher.js'
import type { TopologyNames } from '../broker/topology.js'
import type { ConsumerMetrics } from '../metrics.js'
import type { RoutingTable } from '../routing/types.js'
import type { DedupStore } from './dedup.js'
import type { RetryPolicy } from './retry.js'

/** State shared by the routing and delivery stages of one consumer process. */
export interface PipelineContext {
  names: TopologyNames
  logger: Logger
  metrics: ConsumerMetrics
  routing: RoutingTable
  backends: Map<string, Backend>
  retry: RetryPolicy
  /** DELIVERY_TIMEOUT_MS: the default time allowed for one delivery attempt. */
  deliveryTimeoutMs: number
  /** Absent when duplicate detection is off (a window of 0 seconds). */
  dedup?: {
    store: DedupStore
    stream: string
  }
  /** The confirm channel of the current connection, null while disconnected. */
  publisher: () => ConfirmPublisher | null
}
