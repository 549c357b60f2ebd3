import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/*
 * The security headers of every response of both programs, the ones the
 * original Flask receiver of Sqreen sent, plus helmet's other defaults.
 * helmet builds its middleware once here: building it per request, as
 * @fastify/helmet does, parsed the policy again for each response and
 * cost a twentieth of the server's CPU per webhook.
 */
const setSecurityHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"] } },
  frameguard: { action: 'deny' },
  hsts: { maxAge: 31536000, includeSubDomains: true }
})

/**
 * helmet passes on an error only when a policy directive is a function;
 * these are constant, and a bad option throws when the middleware is built.
 */
function next (): void {}

/** Sets the security headers on every response of the instance it is registered on. */
export const securityHeaders = fp(async function securityHeaders (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', (request, reply, done) => {
    setSecurityHeaders(request.raw, reply.raw, next)
    done()
  })
}, { name: 'security-headers' })

/**
 * The same headers as raw HTTP header lines, each ending in CRLF, for the
 * responses that Node.js writes before Fastify sees a request.
 */
export const securityHeaderLines: string = (() => {
  const lines = new Map<string, string>()
  const response = {
    setHeader (name: string, value: string) { lines.set(name, `${name}: ${value}\r\n`) },
    removeHeader (name: string) { lines.delete(name) }
  }
  setSecurityHeaders({} as IncomingMessage, response as unknown as ServerResponse, next)
  return [...lines.values()].join('')
})()
