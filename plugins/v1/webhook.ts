import { isUtf8 } from 'node:buffer'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import {
  InvalidJsonError,
  InvalidNotificationError,
  UnsupportedMediaTypeError
} from '../../src/errors.js'
import { batchSchema, describeDeepItem, notificationSchema } from '../../src/notifications/schema.js'
import type { SqreenItem } from '../../src/notifications/types.js'

declare module 'fastify' {
  interface FastifyRequest {
    /** True when the body was one notification object, not an array. */
    singleNotification?: boolean
    /** Notifications the broker confirmed, for the response's log line. */
    acceptedCount?: number
  }
}

const jsonType = /^application\/(?:[\w.+-]+\+)?json\s*(?:;\s*charset\s*=\s*"?utf-8"?\s*)?$/i

async function requireJson (request: FastifyRequest): Promise<void> {
  const type = request.headers['content-type']
  if (type === undefined || !jsonType.test(type)) {
    throw new UnsupportedMediaTypeError(JSON.stringify(type ?? 'none'))
  }
}

/** Parses the raw body only after its signature has been checked. */
async function parseJson (request: FastifyRequest): Promise<void> {
  const raw = request.body as Buffer
  // JSON text is UTF-8 (RFC 8259); decoding invalid bytes would silently
  // turn them into U+FFFD and deliver an alert that differs from the one sent.
  if (!isUtf8(raw)) throw new InvalidJsonError('its bytes are not valid UTF-8')
  let body: unknown
  try {
    body = JSON.parse(raw.toString('utf8'))
  } catch (err) {
    throw new InvalidJsonError((err as Error).message)
  }
  const single = body !== null && typeof body === 'object' && !Array.isArray(body)
  request.singleNotification = single
  request.body = single ? [body] : body
  if (!Array.isArray(request.body)) return
  const deep = describeDeepItem(request.body as unknown[], single)
  if (deep !== null) throw new InvalidNotificationError(deep)
}

/** POST /v1/webhook: the endpoint Sqreen sends its notifications to. */
export default async function webhookRoutes (fastify: FastifyInstance): Promise<void> {
  // The app reads every body as bytes (httpBasics), so that the body
  // limit is checked first and the signature covers the exact bytes received.
  fastify.addSchema(notificationSchema)

  fastify.post('/webhook', {
    schema: { body: batchSchema },
    preValidation: [requireJson, fastify.verifySqreenSignature, parseJson]
  }, async (request: FastifyRequest, reply: FastifyReply) => {
    const items = request.body as SqreenItem[]
    if (items.length > 0) await fastify.amqp.publish(items, request.id)
    request.acceptedCount = items.length
    return await reply.code(200).send({ accepted: items.length, requestId: request.id })
  })
}
