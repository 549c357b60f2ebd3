import Fastify from 'fastify'
import { Registry } from 'prom-client'
import { test, type Test } from 'tap'
import metricsPlugin, { metricsHandler } from '../../plugins/metrics.js'
import { serverMetricNames } from '../../src/metrics.js'

async function build (t: Test) {
  const app = Fastify()
  await app.register(metricsPlugin)
  app.get('/items/:id', async () => ({ ok: true }))
  app.post('/fail', async (_request, reply) => reply.code(503).send({ error: 'down' }))
  t.teardown(() => app.close())
  await app.ready()
  return app
}

async function scrape (app: Awaited<ReturnType<typeof build>>) {
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  return response.body
}

test('GET /metrics serves Prometheus text', async (t) => {
  const app = await build(t)
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.match(response.headers['content-type'], /^text\/plain; version=0\.0\.4/)
  for (const name of serverMetricNames) {
    t.match(response.body, `# TYPE ${name} `, name)
  }
  t.match(response.body, /^process_cpu_user_seconds_total /m)
})

test('responses are counted by route pattern', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: '/items/1' })
  await app.inject({ method: 'GET', url: '/items/2' })
  const body = await scrape(app)
  t.match(
    body,
    'sqreen_relay_http_requests_total{method="GET",route="/items/:id",status_code="200"} 2'
  )
  t.notMatch(body, 'route="/items/1"')
})

test('error status codes are counted', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'POST', url: '/fail' })
  const body = await scrape(app)
  t.match(
    body,
    'sqreen_relay_http_requests_total{method="POST",route="/fail",status_code="503"} 1'
  )
})

test('unknown paths share the unmatched route', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: '/nope' })
  await app.inject({ method: 'GET', url: '/other/nope' })
  const body = await scrape(app)
  t.match(
    body,
    'sqreen_relay_http_requests_total{method="GET",route="unmatched",status_code="404"} 2'
  )
  t.notMatch(body, 'route="/nope"')
})

test('durations are observed per route', async (t) => {
  const app = await build(t)
  await app.inject({ method: 'GET', url: '/items/1' })
  const body = await scrape(app)
  t.match(
    body,
    'sqreen_relay_http_request_duration_seconds_count{method="GET",route="/items/:id"} 1'
  )
  t.match(
    body,
    'sqreen_relay_http_request_duration_seconds_bucket{le="10",method="GET",route="/items/:id"} 1'
  )
})

test('scrapes are counted too', async (t) => {
  const app = await build(t)
  await scrape(app)
  const body = await scrape(app)
  t.match(
    body,
    'sqreen_relay_http_requests_total{method="GET",route="/metrics",status_code="200"} 1'
  )
})

test('fastify.metrics is decorated', async (t) => {
  const app = await build(t)
  app.metrics.notificationsAccepted.inc({ type: 'security_event' }, 3)
  app.metrics.brokerConnected.set(1)
  const body = await scrape(app)
  t.match(body, 'sqreen_relay_notifications_accepted_total{type="security_event"} 3')
  t.match(body, /^sqreen_relay_broker_connected 1$/m)
})

test('two instances keep separate registries', async (t) => {
  const first = await build(t)
  const second = await build(t)
  t.not(first.metrics.registry, second.metrics.registry)
  await first.inject({ method: 'GET', url: '/items/1' })
  const body = await scrape(second)
  t.notMatch(body, 'route="/items/:id"')
})

test('metricsHandler serves any registry', async (t) => {
  const registry = new Registry()
  registry.setDefaultLabels({ program: 'consumer' })
  const app = Fastify()
  t.teardown(() => app.close())
  app.get('/metrics', metricsHandler(registry))
  const response = await app.inject({ method: 'GET', url: '/metrics' })
  t.equal(response.statusCode, 200)
  t.equal(response.headers['content-type'], registry.contentType)
  t.equal(response.body, await registry.metrics())
})
