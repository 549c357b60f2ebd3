#!/usr/bin/env node
import { randomUUID } from 'node:crypto'
import Fastify, { type FastifyInstance } from 'fastify'
import { pino, type Logger } from 'pino'
import { Registry } from 'prom-client'
import type { Backend } from '../backends/backend.js'
import { createBackend } from '../backends/registry.js'
import { metricsHandler } from '../plugins/metrics.js'
import { loadConfig, type Config } from './config.js'
import { clientErrorHandler, httpBasics, httpServerOptions } from './http-errors.js'
import { loggerOptions } from './logger.js'
import { createConsumerMetrics } from './metrics.js'
import { DeliveryConsumer } from './pipeline/consumer.js'
import { loadRouting } from './routing/load.js'
import { closeOnSignal, exitOnConfigError, listenError } from './server.js'

export interface ConsumerProcess {
  config: Config
  logger: Logger
  consumer: DeliveryConsumer
  http: FastifyInstance
  /** Stops consuming, drains, closes the broker and the HTTP server. */
  close: () => Promise<void>
}

export interface StartConsumerOptions {
  env: NodeJS.ProcessEnv
  logger?: Logger
}

/**
 * Starts the consumer and its HTTP server for /healthz, /readyz and
 * /metrics on CONSUMER_HOST:CONSUMER_PORT.
 */
export async function startConsumer (options: StartConsumerOptions): Promise<ConsumerProcess> {
  const config = loadConfig(options.env)
  const logger = options.logger ?? pino(loggerOptions(config.LOG_LEVEL))
  const routing = loadRouting(config, options.env)
  const backends = new Map<string, Backend>()
  for (const spec of routing.receivers) {
    backends.set(spec.name, createBackend(spec, logger, { timeoutMs: config.DELIVERY_TIMEOUT_MS }))
  }

  const registry = new Registry()
  let consumer: DeliveryConsumer | undefined
  const metrics = createConsumerMetrics(registry, {
    queueDepths: async () => await (consumer?.queueDepths() ?? Promise.resolve({})),
    onQueueDepthsError: (err) => { logger.warn({ err }, 'queue depths not read') }
  })
  consumer = new DeliveryConsumer({ config, logger, routing, backends, metrics })
  const http = buildConsumerHttp(consumer, registry)
  // Listen first: a busy port must stop start-up before anything is consumed.
  try {
    await http.listen({ host: config.CONSUMER_HOST, port: config.CONSUMER_PORT })
  } catch (err) {
    throw listenError(err, 'CONSUMER_HOST', 'CONSUMER_PORT', config.CONSUMER_HOST, config.CONSUMER_PORT)
  }
  await consumer.start()
  logger.info({ receivers: [...backends.keys()] }, 'consumer started')

  const running = consumer
  return {
    config,
    logger,
    consumer,
    http,
    close: async () => {
      await running.stop()
      await http.close()
      logger.info('consumer stopped')
    }
  }
}

function buildConsumerHttp (consumer: DeliveryConsumer, registry: Registry): FastifyInstance {
  // Probes and scrapes come every few seconds, so requests are not logged.
  const http = Fastify({
    logger: false,
    clientErrorHandler,
    http: httpServerOptions,
    // UUID request ids, as in the server, for the X-Request-Id of a missing-Host 400.
    genReqId: () => randomUUID()
  })
  void http.register(httpBasics, { routes: 'the consumer serves GET /healthz, /readyz and /metrics' })
  http.get('/healthz', async () => ({ status: 'ok' }))
  http.get('/readyz', async (request, reply) => {
    if (consumer.ready) return { status: 'ready' }
    return await reply.code(503).send({ status: 'not ready', message: 'not consuming: the message broker is unreachable or blocks publishing' })
  })
  http.get('/metrics', metricsHandler(registry))
  return http as unknown as FastifyInstance
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startConsumer({ env: process.env }).then((running) => {
    closeOnSignal(running.logger, running.config.SHUTDOWN_TIMEOUT_MS + 2000, running.close)
  }).catch(exitOnConfigError)
}
