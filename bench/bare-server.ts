import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'

/*
 * The HTTP limit of the machine: a Fastify route that reads the body as
 * bytes, as the relay does, and responds with 200 without parsing,
 * verifying, publishing or logging. It runs as a child process and sends
 * its port over IPC once listening.
 */

const fastify = Fastify({ logger: false, bodyLimit: 1048576 })
fastify.removeAllContentTypeParsers()
fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
  done(null, body)
})
fastify.post('/v1/webhook', async () => ({ accepted: 0 }))

await fastify.listen({ host: '127.0.0.1', port: 0 })
process.send?.({ port: (fastify.server.address() as AddressInfo).port })
process.once('SIGTERM', () => {
  void fastify.close().then(() => process.exit(0))
})
