import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  RouteHandlerMethod
} from 'fastify'
import fp from 'fastify-plugin'
import { Registry } from 'prom-client'
import { createServerMetrics, type ServerMetrics } from '../src/metrics.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** The server's Prometheus metrics and the registry they belong to. */
    metrics: ServerMetrics
  }
}

/** Route label of responses sent by the not-found handler. */
export const unmatchedRoute = 'unmatched'

/**
 * Builds a Fastify route handler that sends every metric of `registry` in
 * the Prometheus text format.
 */
export function metricsHandler (registry: Registry): RouteHandlerMethod {
  return async function sendMetrics (_request, reply) {
    const text = await registry.metrics()
    return await reply.type(registry.contentType).send(text)
  }
}

/**
 * Counts a response that Fastify's hooks do not see, written before
 * routing, when the instance has the server's metrics.
 */
export function countUnroutedResponse (fastify: FastifyInstance, method: string, status: number): void {
  if (!fastify.hasDecorator('metrics')) return
  fastify.metrics.httpRequests.inc({ method, route: unmatchedRoute, status_code: status })
}

function recordResponse (
  metrics: ServerMetrics,
  request: FastifyRequest,
  reply: FastifyReply
): void {
  // The route pattern, not the URL, keeps the label set bounded whatever
  // paths clients request.
  const route = request.routeOptions.url ?? unmatchedRoute
  const method = request.method
  metrics.httpRequests.inc({ method, route, status_code: reply.statusCode })
  metrics.httpRequestDuration.observe({ method, route }, reply.elapsedTime / 1000)
}

/**
 * Serves GET /metrics and counts every response of the instance by method,
 * route pattern and status code, with its duration.
 */
async function metrics (fastify: FastifyInstance): Promise<void> {
  const registry = new Registry()
  const serverMetrics = createServerMetrics(registry)
  fastify.decorate('metrics', serverMetrics)

  fastify.addHook('onResponse', async (request, reply) => {
    recordResponse(serverMetrics, request, reply)
  })

  fastify.get('/metrics', metricsHandler(registry))
}

export default fp(metrics, { name: 'metrics' })
