import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'

async function healthPlugin (fastify: FastifyInstance): Promise<void> {
  fastify.get('/healthz', async () => ({ status: 'ok' }))

  fastify.get('/readyz', async (request, reply) => {
    if (fastify.amqp.ready) return { status: 'ready' }
    return await reply.code(503).header('retry-after', fastify.config.RETRY_AFTER_SECONDS)
      .send({ status: 'not ready', message: 'the message broker is unreachable or blocks publishing' })
  })
}

export default fp(healthPlugin, { name: 'health', dependencies: ['amqp-publisher'] })
