import { Help, type Command } from 'commander'
import type { Logger } from 'pino'
import type { CliIO } from '../cli.js'
import { loadConfig } from '../config.js'
import { startConsumer } from '../consumer.js'
import { loadRouting } from '../routing/load.js'
import { closeOnSignal, exitOnConfigError, startServer } from '../server.js'

/** The environment variables each program reads, for its help text. */
export const serverVariables = [
  'SQREEN_WEBHOOK_SECRET (required)', 'AMQP_URL', 'AMQP_PREFIX', 'HOST', 'PORT', 'BODY_LIMIT',
  'REQUEST_TIMEOUT_MS', 'PUBLISH_TIMEOUT_MS', 'RETRY_AFTER_SECONDS', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS'
]
export const consumerVariables = [
  'AMQP_URL', 'AMQP_PREFIX', 'ROUTES_FILE', 'SLACK_WEBHOOK_URL', 'SMTP_URL', 'EMAIL_FROM', 'EMAIL_TO',
  'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_FROM', 'SMS_TO', 'TWILIO_API_URL',
  'CONSUMER_HOST', 'CONSUMER_PORT', 'CONSUMER_PREFETCH', 'DELIVERY_TIMEOUT_MS', 'DELIVERY_MAX_ATTEMPTS',
  'RETRY_BASE_DELAY_MS', 'RETRY_TIERS_MS', 'DEDUP_WINDOW_SECONDS', 'LOG_LEVEL', 'SHUTDOWN_TIMEOUT_MS'
]

function environmentHelp (variables: string[]): string {
  const help = new Help()
  const names = help.boxWrap([...new Set(variables)].join(', '), 76).replace(/^/gm, '  ')
  return '\n' + help.boxWrap('Settings come from environment variables, not options; ' +
    'the README\'s Configuration section gives each default:', 78) + `\n${names}\n` +
    'It runs until SIGINT or SIGTERM, then finishes the work in flight, waiting at most\n' +
    'SHUTDOWN_TIMEOUT_MS for it, and exits.\n'
}

/**
 * Adds `serve`, `consume` and `start` (both in one process, for a single
 * machine). Each runs until SIGINT or SIGTERM, then drains and exits.
 */
export function registerRun (program: Command, io: CliIO): void {
  program.command('serve')
    .description('run the HTTP server that receives Sqreen webhooks')
    .addHelpText('after', environmentHelp(serverVariables))
    .action(async () => {
      const server = await startServer(io.env).catch(exitOnConfigError)
      closeOnSignal(server.log, server.config.SHUTDOWN_TIMEOUT_MS + 1000, async () => { await server.close() })
    })

  program.command('consume')
    .description('run the consumer that routes and delivers notifications')
    .addHelpText('after', environmentHelp(consumerVariables))
    .action(async () => {
      const consumer = await startConsumer({ env: io.env }).catch(exitOnConfigError)
      closeOnSignal(consumer.logger, consumer.config.SHUTDOWN_TIMEOUT_MS + 2000, consumer.close)
    })

  program.command('start')
    .description('run the server and the consumer together in one process')
    .addHelpText('after', environmentHelp([...serverVariables, ...consumerVariables]))
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
