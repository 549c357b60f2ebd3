import { randomUUID } from 'node:crypto'
import { STATUS_CODES } from 'node:http'
import Fastify, { LogController, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest, type FastifyServerOptions } from 'fastify'
import fp from 'fastify-plugin'
import configPlugin from '../plugins/config.js'
import metricsPlugin, { countUnroutedResponse } from '../plugins/metrics.js'
import signaturePlugin from '../plugins/signature.js'
import amqpPublisherPlugin from '../plugins/amqp-publisher.js'
import healthPlugin from '../plugins/health.js'
import webhookRoutes from '../plugins/v1/webhook.js'
import { loadConfig, serverConfigSchema } from './config.js'
import {
  BodyTooLargeError,
  InvalidNotificationError,
  ShuttingDownError,
  UnsupportedMediaTypeError
} from './errors.js'
import { clientErrorHandler, errorBody, httpBasics, httpServerOptions } from './http-errors.js'
import { loggerOptions } from './logger.js'
import { describeInvalidBody, type SchemaIssue } from './notifications/schema.js'
import { applySecurityHeaders } from './security-headers.js'

export interface AppOptions {
  env: NodeJS.ProcessEnv
}

/** Registers every plugin and route of the server, in order. */
async function appPlugin (fastify: FastifyInstance, options: AppOptions): Promise<void> {
  let closing = false
  fastify.addHook('preClose', async () => { closing = true })
  fastify.addHook('onRequest', async () => {
    if (closing) throw new ShuttingDownError()
  })
  // Node's close() leaves a keep-alive connection that was busy when it
  // began open until keepAliveTimeout (72 s), longer than the grace period,
  // so a response sent while closing ends its connection.
  fastify.addHook('onSend', async (request, reply) => {
    if (closing) reply.header('connection', 'close')
  })
  fastify.setErrorHandler(handleError)
  await fastify.register(httpBasics, { routes: 'the webhook endpoint is POST /v1/webhook' })
  await fastify.register(configPlugin, { env: options.env })
  await fastify.register(metricsPlugin)
  await fastify.register(signaturePlugin)
  await fastify.register(amqpPublisherPlugin)
  await fastify.register(healthPlugin)
  await fastify.register(webhookRoutes, { prefix: '/v1' })
}

export const app = fp(appPlugin, { name: 'app' })

/** Maximum interval between Node.js's checks for requests past REQUEST_TIMEOUT_MS, in ms. */
const requestCheckIntervalMs = 5000

export interface BuildServerOptions {
  env: NodeJS.ProcessEnv
  logger?: FastifyServerOptions['loggerInstance']
}

/** Builds the server without listening, so tests can call it with their own env. */
export async function buildServer (options: BuildServerOptions): Promise<FastifyInstance> {
  const config = loadConfig(options.env, serverConfigSchema)
  const fastify = Fastify({
    ...(options.logger === undefined
      ? { logger: loggerOptions(config.LOG_LEVEL) }
      : { loggerInstance: options.logger }),
    bodyLimit: config.BODY_LIMIT,
    requestIdHeader: false,
    // requestId is the consumer's key too, so one alert can be followed
    // across both. logResponse writes one line per response in place of
    // Fastify's two, because logging was a tenth of the CPU per request.
    logController: new LogController({ requestIdLogLabel: 'requestId', disableRequestLogging: true }),
    genReqId: requestId,
    forceCloseConnections: 'idle',
    clientErrorHandler,
    // Fastify raises these before routing: here only a URL it cannot decode,
    // because the relay's routes have no constraints.
    // They skip every hook, so this handler adds what the hooks add.
    frameworkErrors: (error, request, reply) => {
      const url = JSON.stringify((request.raw.url ?? '').slice(0, 200))
      const message = `The URL ${url} is not valid (${error.message}): percent-encode it`
      applySecurityHeaders(request.raw, reply.raw)
      void (reply as FastifyReply).code(400).header('x-request-id', request.id)
        .send(errorBody({ code: 'RELAY_BAD_URL', message }, 400))
      countUnroutedResponse(fastify, request.method, 400)
    },
    // Requests arriving while closing get the relay's own 503 with Retry-After.
    return503OnClosing: false,
    // A client that trickles its headers or body cannot hold a socket for
    // long. Node.js checks the sockets every connectionsCheckingInterval.
    requestTimeout: config.REQUEST_TIMEOUT_MS,
    http: {
      ...httpServerOptions,
      headersTimeout: config.REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: Math.min(config.REQUEST_TIMEOUT_MS, requestCheckIntervalMs)
    },
    ajv: {
      // Validate the body as sent: no coercion, no removed or defaulted fields.
      customOptions: { coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false }
    }
  })
  fastify.addHook('onSend', async (request, reply) => {
    reply.header('x-request-id', request.id)
  })
  fastify.addHook('onResponse', logResponse)
  await fastify.register(app, { env: options.env })
  return fastify as unknown as FastifyInstance
}

/** Paths that probes and scrapers call every few seconds, logged at debug. */
const quietPaths = new Set(['/healthz', '/readyz', '/metrics'])

async function logResponse (request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const line = {
    method: request.method,
    url: request.url,
    statusCode: reply.statusCode,
    responseTimeMs: Math.round(reply.elapsedTime * 100) / 100,
    accepted: request.acceptedCount
  }
  if (quietPaths.has(request.url)) request.log.debug(line, 'request completed')
  else request.log.info(line, 'request completed')
}

const requestIdPattern = /^[\w.:-]{1,128}$/

/** Keeps the caller's X-Request-Id when it is a safe token, else makes one. */
function requestId (request: { headers: Record<string, string | string[] | undefined> }): string {
  const header = request.headers['x-request-id']
  return typeof header === 'string' && requestIdPattern.test(header) ? header : randomUUID()
}

async function handleError (error: FastifyError, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (error.validation !== undefined) {
    const issues = (error.validation ?? []) as SchemaIssue[]
    const invalid = describeInvalidBody(issues, request.singleNotification === true)
    const body = errorBody(new InvalidNotificationError(invalid.message), 422, { pointer: invalid.pointer })
    return await reply.code(422).send(body)
  }
  const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
  if (status === 415 && !(error instanceof UnsupportedMediaTypeError)) {
    // Fastify itself rejects a Content-Type it cannot parse, such as `a/b/c`.
    const type = JSON.stringify(request.headers['content-type'] ?? 'none')
    return await reply.code(415).send(errorBody(new UnsupportedMediaTypeError(type), 415))
  }
  if (status === 413) {
    return await reply.code(413).send(errorBody(new BodyTooLargeError(request.server.config.BODY_LIMIT), 413))
  }
  if (status === 503) {
    reply.header('retry-after', request.server.config.RETRY_AFTER_SECONDS)
    return await reply.code(503).send(errorBody(error, 503))
  }
  if (status >= 500) {
    request.log.error({ err: error }, 'request failed')
    return await reply.code(status).send({
      error: STATUS_CODES[status],
      message: `Unexpected error, logged with request id ${request.id}`
    })
  }
  return await reply.code(status).send(errorBody(error, status))
}
