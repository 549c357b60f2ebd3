import { splitList, type Config } from '../config.js'
import { ConfigError } from '../errors.js'
import { emailAddressProblem, phoneNumberProblem, type FormatCheck } from './addresses.js'
import { buildRoutingTable } from './table.js'
import type { ReceiverSpec, RoutingTable } from './types.js'

/**
 * Builds the routing table of a relay without a routes file: a `log`
 * receiver, plus `slack`, `email` and `sms` when their variables are set,
 * and one route that sends every notification to all of them. Throws a
 * ConfigError naming the missing variables of a partly configured channel.
 */
export function routingFromEnv (config: Config): RoutingTable {
  const receivers: ReceiverSpec[] = [{ name: 'log', type: 'log' }]
  if (config.SLACK_WEBHOOK_URL !== undefined) {
    receivers.push({ name: 'slack', type: 'slack', webhookUrl: config.SLACK_WEBHOOK_URL })
  }
  const email = emailReceiver(config)
  if (email !== undefined) receivers.push(email)
  const sms = smsReceiver(config)
  if (sms !== undefined) receivers.push(sms)
  const routes = [{ name: 'default', receivers: receivers.map((receiver) => receiver.name) }]
  return buildRoutingTable({ receivers, routes }, 'environment')
}

function emailReceiver (config: Config): ReceiverSpec | undefined {
  const { SMTP_URL: smtpUrl, EMAIL_FROM: from, EMAIL_TO: to } = config
  if (!isComplete('e-mail', { SMTP_URL: smtpUrl, EMAIL_FROM: from, EMAIL_TO: to })) return undefined
  return {
    name: 'email',
    type: 'email',
    smtpUrl: smtpUrl as string,
    from: checked('EMAIL_FROM', from as string, emailAddressProblem),
    to: recipients('EMAIL_TO', to, emailAddressProblem, 'e-mail addresses')
  }
}

function smsReceiver (config: Config): ReceiverSpec | undefined {
  const group = {
    TWILIO_ACCOUNT_SID: config.TWILIO_ACCOUNT_SID,
    TWILIO_AUTH_TOKEN: config.TWILIO_AUTH_TOKEN,
    TWILIO_FROM: config.TWILIO_FROM,
    SMS_TO: config.SMS_TO
  }
  if (!isComplete('SMS', group)) return undefined
  return {
    name: 'sms',
    type: 'sms',
    accountSid: group.TWILIO_ACCOUNT_SID as string,
    authToken: group.TWILIO_AUTH_TOKEN as string,
    from: group.TWILIO_FROM as string,
    to: recipients('SMS_TO', group.SMS_TO, phoneNumberProblem, 'E.164 numbers such as +33612345678'),
    apiUrl: config.TWILIO_API_URL
  }
}

function checked (name: string, value: string, check: FormatCheck): string {
  const problem = check(value)
  if (problem !== null) throw new ConfigError(`${name} ${problem} (got ${JSON.stringify(value)})`)
  return value
}

function recipients (name: string, value: string | undefined, check: FormatCheck, expected: string): string[] {
  const list = splitList(value)
  const invalid = list.filter((item) => check(item) !== null)
  if (list.length === 0 || invalid.length > 0) {
    const got = invalid.length > 0 ? ` (got ${JSON.stringify(invalid.join(','))})` : ''
    throw new ConfigError(`${name} must be a comma-separated list of ${expected}${got}`)
  }
  return list
}

/** True when every variable of a channel is set, false when none is; throws when only some are. */
function isComplete (channel: string, group: Record<string, string | undefined>): boolean {
  const names = Object.keys(group)
  const missing = names.filter((name) => group[name] === undefined)
  if (missing.length === names.length) return false
  if (missing.length === 0) return true
  const set = names.filter((name) => !missing.includes(name))
  throw new ConfigError(
    `${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} not set, but ${set.join(', ')} ` +
    `${set.length === 1 ? 'is' : 'are'}: the ${channel} receiver needs all of ${names.join(', ')}; ` +
    'set the missing variables, or unset the others to disable it'
  )
}
