#!/usr/bin/env node
import closeWithGrace from 'close-with-grace'
import type { FastifyInstance } from 'fastify'
import { buildServer } from './app.js'
import { ConfigError } from './errors.js'

/** Builds the server and listens on HOST:PORT. */
export async function startServer (env: NodeJS.ProcessEnv): Promise<FastifyInstance> {
  const server = await buildServer({ env })
  try {
    await server.listen({ host: server.config.HOST, port: server.config.PORT })
  } catch (err) {
    await server.close()
    throw listenError(err, 'HOST', 'PORT', server.config.HOST, server.config.PORT)
  }
  return server
}

/** Names the variables to change when a program cannot listen. */
export function listenError (err: unknown, hostName: string, portName: string, host: string, port: number): unknown {
  const code = (err as NodeJS.ErrnoException).code
  if (code === undefined || !['EADDRINUSE', 'EACCES', 'EADDRNOTAVAIL', 'ENOTFOUND', 'EAI_AGAIN'].includes(code)) return err
  return new ConfigError(`cannot listen on ${host}:${port} (${code}): set ${hostName} and ${portName} to a free local address`, { cause: err })
}

/**
 * Runs `close` once on SIGINT, SIGTERM or an uncaught error, then exits.
 * The server stops accepting and finishes the confirms in flight; the
 * consumer stops fetching and finishes the deliveries in flight.
 */
export function closeOnSignal (
  log: { info: (object: object, message: string) => void, error: (object: object, message: string) => void },
  timeoutMs: number,
  close: () => Promise<void>
): void {
  closeWithGrace({ delay: timeoutMs }, async ({ err, signal }) => {
    if (err !== undefined) log.error({ err }, 'stopping after an error')
    else log.info({ signal }, 'stopping')
    await close()
  })
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
  startServer(process.env).then((server) => {
    closeOnSignal(server.log, server.config.SHUTDOWN_TIMEOUT_MS + 1000, async () => { await server.close() })
  }).catch(exitOnConfigError)
}
