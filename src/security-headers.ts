/**
 * @fastify/helmet options for every response of both programs, the
 * headers the original Flask receiver of Sqreen sent.
 */
export const securityHeaders = {
  contentSecurityPolicy: { useDefaults: false, directives: { defaultSrc: ["'none'"] } },
  frameguard: { action: 'deny' as const },
  hsts: { maxAge: 31536000, includeSubDomains: true }
}
