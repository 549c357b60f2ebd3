import { type Command, Option } from 'commander'
import type { CliIO } from '../cli.js'
import { loadConfig } from '../config.js'
import { ConfigError } from '../errors.js'
import { processDeadLetters, type DeadLetter, type DeadLetterAction, type DeadLetterResult } from '../broker/dead-letters.js'
import { topologyNames } from '../broker/topology.js'
import { connect } from 'amqplib'
import { redactUrl } from '../logger.js'
import { loadRouting } from '../routing/load.js'
import { escapeInvisible } from '../render/text.js'

interface DeadLetterOptions {
  receiver?: string
  limit?: string
  json?: boolean
  all?: boolean
}

const descriptions: Record<DeadLetterAction, string> = {
  list: 'show parked messages and why each failed; they stay in the queue',
  replay: 'send parked messages back to their receiver, with a fresh attempt count',
  purge: 'delete parked messages for good'
}

const deadLettersHelp = '\nThe broker and the queue names come from AMQP_URL and AMQP_PREFIX, as for\n' +
  'the consumer. replay also reads the receivers (ROUTES_FILE, or the backend\n' +
  'variables) to know which queues are read.\n'

/** Adds `dead-letters list|replay|purge`, which act on the dead-letter queue. */
export function registerDeadLetters (program: Command, io: CliIO): void {
  const group = program
    .command('dead-letters')
    .description('list, replay or purge the messages that could not be delivered')
  for (const action of ['list', 'replay', 'purge'] as const) {
    const command = group.command(action)
      .description(descriptions[action])
      .option('--receiver <name>', 'only the messages of this receiver; an empty name selects those no route matched')
      .addOption(new Option('--limit <count>', 'maximum number of messages to act on').default(action === 'list' ? '100' : undefined))
      .option('--json', 'print one JSON object per message')
      .addHelpText('after', deadLettersHelp)
    if (action === 'purge') command.option('--all', 'purge every receiver\'s messages when no --receiver is given')
    command.action(async (options: DeadLetterOptions, cmd: Command) => {
      await runDeadLetters(cmd, io, action, options)
    })
  }
}

async function runDeadLetters (
  command: Command,
  io: CliIO,
  action: DeadLetterAction,
  options: DeadLetterOptions
): Promise<void> {
  if (options.limit !== undefined && !/^[0-9]+$/.test(options.limit)) {
    command.error(`error: --limit must be a whole number in decimal digits, got "${options.limit}"`)
  }
  const limit = options.limit === undefined ? Infinity : Number(options.limit)
  if (limit < 1) command.error('error: --limit must be at least 1')

  if (action === 'purge' && options.receiver === undefined && options.all !== true) {
    command.error('error: purge needs --receiver NAME, or --all to purge every receiver')
  }

  let config
  try {
    config = loadConfig(io.env)
  } catch (err) {
    command.error(`error: invalid configuration: ${(err as ConfigError).message}`)
  }
  // The receivers configured now, or null when the routing cannot be read.
  let receivers: string[] | null
  try {
    receivers = loadRouting(config, io.env).receivers.map((spec) => spec.name)
  } catch (err) {
    receivers = null
    // A replay must know where deliveries can still go.
    if (action === 'replay') command.error(`error: invalid configuration: ${(err as Error).message}`)
  }

  let connection
  try {
    connection = await connect(config.AMQP_URL)
  } catch (err) {
    command.error(`error: cannot connect to RabbitMQ at ${redactUrl(config.AMQP_URL)}: ${(err as Error).message}`)
  }

  const channel = await connection.createConfirmChannel()
  let result: DeadLetterResult
  try {
    result = await processDeadLetters(channel, topologyNames(config.AMQP_PREFIX), action, {
      receiver: options.receiver,
      limit,
      receivers: receivers === null ? undefined : new Set(receivers)
    })
  } catch (err) {
    await connection.close().catch(() => {})
    command.error(`error: ${(err as Error).message}`)
  }
  // Closing the channel first makes the broker process every
  // acknowledgement before the connection goes.
  await channel.close().catch(() => {})
  await connection.close()

  const letters = result.handled
  for (const letter of letters) io.stdout(`${options.json === true ? asJson(letter) : asLine(letter)}\n`)
  const verb = { list: 'listed', replay: 'replayed', purge: 'purged' }[action]
  if (options.json !== true) io.stdout(`${letters.length} message(s) ${verb}\n`)
  if (result.beyondLimit > 0) {
    io.stderr(`note: ${result.beyondLimit} more matching message(s) left as they are, past --limit ${limit}; ` +
      'raise --limit to include them\n')
  }
  if (result.unknownReceiver.length > 0) {
    const unconfigured = [...new Set(result.unknownReceiver.map((letter) => letter.receiver))].join(', ')
    io.stderr(`warning: ${result.unknownReceiver.length} message(s) left parked: no receiver named ${unconfigured} is ` +
      'configured, so nothing would read its queue; configure it again to replay them, or purge them\n')
  }
  if (letters.length === 0) warnUnknownReceiver(io, receivers, options.receiver)
}

/**
 * Warns when a --receiver filter names no configured receiver, because a
 * mistyped name otherwise reads as an empty queue. Dead letters of a
 * receiver removed since keep their name, so this is a warning only.
 */
function warnUnknownReceiver (io: CliIO, receivers: string[] | null, receiver: string | undefined): void {
  if (receiver === undefined || receiver === '' || receivers === null || receivers.includes(receiver)) return
  io.stderr(`warning: no receiver is named "${receiver}"; the receivers are ${receivers.join(', ')}\n`)
}

function timestamp (value: number | null): string {
  return value === null ? '-' : new Date(value).toISOString()
}

function asLine (letter: DeadLetter): string {
  // The type and the error come from Sqreen and the channels, so they are
  // kept from acting on the terminal.
  return escapeInvisible([
    timestamp(letter.deadLetteredAt),
    letter.receiver === '' ? '(no route)' : letter.receiver,
    letter.type,
    `attempts=${letter.attempts}`,
    letter.kind,
    `message=${letter.messageId}`,
    `request=${letter.requestId ?? '-'}`,
    ...(letter.completed.length === 0 ? [] : [`done=${letter.completed.join(',')}`]),
    JSON.stringify(letter.lastError)
  ].join('  '))
}

function asJson (letter: DeadLetter): string {
  const { content, ...rest } = letter
  return JSON.stringify({
    ...rest,
    firstFailedAt: timestamp(letter.firstFailedAt),
    deadLetteredAt: timestamp(letter.deadLetteredAt),
    notification: parseOrText(content)
  })
}

function parseOrText (content: Buffer): unknown {
  try {
    return JSON.parse(content.toString('utf8'))
  } catch {
    return content.toString('utf8')
  }
}
