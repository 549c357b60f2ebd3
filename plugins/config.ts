import fastifyEnv from '@fastify/env'
import fp from 'fastify-plugin'
import type { FastifyInstance } from 'fastify'
import { describeEnvError, envSchemaOptions, serverConfigSchema, type Config } from '../src/config.js'
import { ConfigError } from '../src/errors.js'

declare module 'fastify' {
  interface FastifyInstance {
    config: Config
  }
}

export interface ConfigPluginOptions {
  /** The variables to read, `process.env` in production. */
  env: NodeJS.ProcessEnv
}

async function configPlugin (fastify: FastifyInstance, options: ConfigPluginOptions): Promise<void> {
  try {
    await fastify.register(fastifyEnv, { ...envSchemaOptions(options.env, serverConfigSchema), confKey: 'config' })
  } catch (err) {
    throw new ConfigError(describeEnvError(err as Error, options.env, serverConfigSchema), { cause: err })
  }
}

export default fp(configPlugin, { name: 'config' })
