import fp from 'fastify-plugin'
import type { FastifyInstance, FastifyRequest, preValidationAsyncHookHandler } from 'fastify'
import { parseSecrets, verifySignature } from '../src/signature.js'
import {
  ConfigError,
  SignatureMalformedError,
  SignatureMismatchError,
  SignatureMissingError
} from '../src/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    /** preValidation hook that rejects a request whose body is not signed by Sqreen. */
    verifySqreenSignature: preValidationAsyncHookHandler
  }
}

export const signatureHeader = 'x-sqreen-integrity'

async function signaturePlugin (fastify: FastifyInstance): Promise<void> {
  const secrets = parseSecrets(fastify.config.SQREEN_WEBHOOK_SECRET ?? '')
  if (secrets.length === 0) {
    throw new ConfigError('SQREEN_WEBHOOK_SECRET contains no secret: set it to the secret of the Sqreen webhook, or a comma-separated list of them')
  }

  async function verifySqreenSignature (request: FastifyRequest): Promise<void> {
    const header = request.headers[signatureHeader]
    const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0)
    const result = verifySignature(body, typeof header === 'string' ? header : undefined, secrets)
    if (result === 'ok') return
    request.log.info({ signature: result }, 'webhook signature rejected')
    if (result === 'missing') throw new SignatureMissingError()
    if (result === 'malformed') throw new SignatureMalformedError()
    throw new SignatureMismatchError()
  }

  fastify.decorate('verifySqreenSignature', verifySqreenSignature)
}

export default fp(signaturePlugin, { name: 'signature', dependencies: ['config'] })
