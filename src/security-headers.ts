import type { IncomingMessage, ServerResponse } from 'node:http'
import type { FastifyInstance } from 'fastify'
import fp from 'fastify-plugin'
import helmet from 'helmet'

/*
 * The security headers of every response of both programs: those of the
 * original Flask receiver of Sqreen, plus helmet's other defaults. The
 * middleware is built once. @fastify/helmet builds it per request, which
 * parses the policy again for each response (an estimated 5 % of the
 * server's CPU per single-notification webhook, from a CPU profile).
 */
const setSecurityHeaders = helmet({
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"] } },
  frameguard: { action: 'deny' },
  hsts: { maxAge: 31536000, includeSubDomains: true }
})

/**
 * Ignores helmet's callback argument. helmet passes an error only when a
 * policy directive is a function, and these directives are constants.
 */
function next (): void {}

/** Sets the security headers on a response that has not started. */
export function applySecurityHeaders (request: IncomingMessage, response: ServerResponse): void {
  setSecurityHeaders(request, response, next)
}

/** Sets the security headers on every response of the instance it is registered on. */
export const securityHeaders = fp(async function securityHeaders (fastify: FastifyInstance): Promise<void> {
  fastify.addHook('onRequest', (request, reply, done) => {
    applySecurityHeaders(request.raw, reply.raw)
    done()
  })
}, { name: 'security-headers' })

/**
 * Header lines of the same headers, each ending in CRLF, for the responses
 * written before a request reaches Fastify.
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
