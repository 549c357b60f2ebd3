import type { Command } from 'commander'
import type { Logger } from 'pino'
import type { CliIO } from '../cli.js'
import { loadConfig } from '../config.js'
import { startConsumer } from '../consumer.js'
import { loadRouting } from '../routing/load.js'
import { closeOnSignal, exitOnConfigError, startServer } from '../server.js'

/**
 * Adds `serve`, `consume` and `start` (both in one process, for a single
 * machine). Each runs until SIGINT or SIGTERM, then drains and exits.
 */
export function registerRun (program: Command, io: CliIO): void {
  program.command('serve')
    .description('run the HTTP server that receives Sqreen webhooks')
    .action(async () => {
      const server = await startServer(io.env).catch(exitOnConfigError)
      closeOnSignal(server.log, server.config.SHUTDOWN_TIMEOUT_MS + 1000, async () => { await server.close() })
    })

  program.command('consume')
    .description('run the consumer that routes and delivers notifications')
    .action(async () => {
      const consumer = await startConsumer({ env: io.env }).catch(exitOnConfigError)
      closeOnSignal(consumer.logger, consumer.config.SHUTDOWN_TIMEOUT_MS + 2000, consumer.close)
    })

  program.command('start')
    .description('run the server and the consumer together in one process')
    .action(async () => {
      // Check the consumer's settings first, so a bad one stops start-up
      // before the server accepts anything.
      try {
        loadRouting(loadConfig(io.env), io.env)
      } catch (err) {
        exitOnConfigError(err)
      }
      const server = await startServer(io.env).catch(exitOnConfigError)
      const logger = (server.log as unknown as Logger).child({ process: 'consumer' })
      const consumer = await startConsumer({ env: io.env, logger })
        .catch(exitOnConfigError)
      const timeoutMs = server.config.SHUTDOWN_TIMEOUT_MS * 2 + 2000
      closeOnSignal(server.log, timeoutMs, async () => {
        // The server first, so nothing new arrives while the consumer drains.
        await server.close()
        await consumer.close()
      })
    })
}
