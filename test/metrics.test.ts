import { register as globalRegistry, Registry } from 'prom-client'
import { test } from 'tap'
import {
  consumerMetricNames,
  createConsumerMetrics,
  createServerMetrics,
  serverMetricNames
} from '../src/metrics.js'

async function metricTypes (registry: Registry): Promise<Map<string, string>> {
  const metrics = await registry.getMetricsAsJSON()
  return new Map(metrics.map((metric) => [metric.name, String(metric.type)]))
}

test('server metrics are all registered', async (t) => {
  const types = await metricTypes(createServerMetrics(new Registry()).registry)
  for (const name of serverMetricNames) t.ok(types.has(name), name)
})

test('consumer metrics are all registered', async (t) => {
  const types = await metricTypes(createConsumerMetrics(new Registry()).registry)
  for (const name of consumerMetricNames) t.ok(types.has(name), name)
})

test('names follow Prometheus conventions', async (t) => {
  const server = await metricTypes(createServerMetrics(new Registry()).registry)
  const consumer = await metricTypes(createConsumerMetrics(new Registry()).registry)
  const ours = [...server, ...consumer].filter(([name]) => name.startsWith('sqreen_relay_'))
  t.equal(ours.length, serverMetricNames.length + consumerMetricNames.length)
  for (const [name, type] of ours) {
    if (type === 'counter') t.match(name, /_total$/, `${name} is a counter`)
    if (type === 'histogram') t.match(name, /_seconds$/, `${name} is a histogram`)
    if (type === 'gauge') t.notMatch(name, /_total$/, `${name} is a gauge`)
  }
})

test('process metrics are on the same registry', async (t) => {
  const types = await metricTypes(createConsumerMetrics(new Registry()).registry)
  t.ok(types.has('process_cpu_user_seconds_total'))
  t.ok(types.has('nodejs_eventloop_lag_seconds'))
})

test('global registry stays empty', async (t) => {
  createServerMetrics(new Registry())
  createConsumerMetrics(new Registry())
  t.same(globalRegistry.getMetricsAsArray(), [])
})

test('several registries coexist', async (t) => {
  const first = createServerMetrics(new Registry())
  const second = createServerMetrics(new Registry())
  first.brokerConnected.set(1)
  t.match(await first.registry.metrics(), /^sqreen_relay_broker_connected 1$/m)
  t.match(await second.registry.metrics(), /^sqreen_relay_broker_connected 0$/m)
})

test('delivery metrics carry receiver and outcome', async (t) => {
  const metrics = createConsumerMetrics(new Registry())
  metrics.deliveries.inc({ receiver: 'slack', outcome: 'dead_lettered' })
  metrics.deliveryLatency.observe({ receiver: 'slack' }, 120)
  const text = await metrics.registry.metrics()
  t.match(
    text,
    'sqreen_relay_deliveries_total{receiver="slack",outcome="dead_lettered"} 1'
  )
  t.match(text, 'sqreen_relay_delivery_latency_seconds_bucket{le="300",receiver="slack"} 1')
  t.match(text, 'sqreen_relay_delivery_latency_seconds_bucket{le="60",receiver="slack"} 0')
})

test('queue depths are read on every scrape', async (t) => {
  let depths: Record<string, number> = { 'deliver.slack': 3, 'deliver.sms': 0 }
  let reads = 0
  const metrics = createConsumerMetrics(new Registry(), {
    queueDepths: async () => {
      reads += 1
      return depths
    }
  })
  const first = await metrics.registry.metrics()
  t.match(first, 'sqreen_relay_queue_messages{queue="deliver.slack"} 3')
  t.match(first, 'sqreen_relay_queue_messages{queue="deliver.sms"} 0')

  depths = { 'deliver.slack': 1 }
  const second = await metrics.registry.metrics()
  t.match(second, 'sqreen_relay_queue_messages{queue="deliver.slack"} 1')
  t.notMatch(second, 'queue="deliver.sms"')
  t.equal(reads, 2)
})

test('failed queue depth read drops old values', async (t) => {
  let fail = false
  const errors: unknown[] = []
  const metrics = createConsumerMetrics(new Registry(), {
    queueDepths: async () => {
      if (fail) throw new Error('channel closed')
      return { 'deliver.slack': 5 }
    },
    onQueueDepthsError: (err) => errors.push(err)
  })
  t.match(await metrics.registry.metrics(), 'queue="deliver.slack"} 5')
  fail = true
  const text = await metrics.registry.metrics()
  t.notMatch(text, 'queue="deliver.slack"')
  t.equal(errors.length, 1)
  t.match(errors[0], { message: 'channel closed' })
})

test('failed queue depth read without a callback still scrapes', async (t) => {
  const metrics = createConsumerMetrics(new Registry(), {
    queueDepths: async () => { throw new Error('channel closed') }
  })
  t.match(await metrics.registry.metrics(), /^sqreen_relay_broker_connected 0$/m)
})

test('queue gauge can be set without a reader', async (t) => {
  const metrics = createConsumerMetrics(new Registry())
  metrics.queueMessages.set({ queue: 'route' }, 7)
  t.match(await metrics.registry.metrics(), 'sqreen_relay_queue_messages{queue="route"} 7')
})
