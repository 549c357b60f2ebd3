#!/usr/bin/env node
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildServer } from './app.js'
import { ConfigError } from './errors.js'

/**
 * Starts the HTTP server and closes it on SIGINT or SIGTERM: it stops
 * accepting requests, finishes the confirms in flight, then exits.
 */
export async function startServer (env: NodeJS.ProcessEnv): Promise<FastifyInstance> {
  const server = await buildServer({ env })
  closeWithGrace({ delay: server.config.SHUTDOWN_TIMEOUT_MS + 1000 }, async ({ err, signal }) => {
    if (err !== undefined) server.log.error({ err }, 'server stopping after an error')
    else server.log.info({ signal }, 'server stopping')
    await server.close()
  })
  await server.listen({ host: server.config.HOST, port: server.config.PORT })
  return server
}

/** Prints a configuration error as one line, without a stack trace. */
export function exitOnConfigError (err: unknown): never {
  if (err instanceof ConfigError) {
    process.stderr.write(`sqreen-relay: invalid configuration: ${err.message}\n`)
    process.exit(78)
  }
  throw err
}

if (import.meta.url === `file://${process.argv[1]}`) {
  startServer(process.env).catch(exitOnConfigError)
}
