import { pino, type Logger, type LoggerOptions } from 'pino'

/**
 * Paths removed from every log line: the signature header, credentials of
 * receivers and of AMQP URLs.
 */
export const redactPaths = [
  'req.headers["x-sqreen-integrity"]',
  'req.headers.authorization',
  'headers["x-sqreen-integrity"]',
  '*.authToken',
  '*.secret',
  '*.password',
  '*.smtpUrl',
  '*.webhookUrl',
  'config.SQREEN_WEBHOOK_SECRET',
  'config.TWILIO_AUTH_TOKEN'
]

export function loggerOptions (level: string): LoggerOptions {
  return {
    level,
    redact: { paths: redactPaths, censor: '[redacted]' },
    serializers: { err: pino.stdSerializers.errWithCause }
  }
}

export function createLogger (level: string, name?: string): Logger {
  return pino({ ...loggerOptions(level), name })
}

/**
 * Hides the secret part of a URL for logs: the password, and for Slack
 * incoming webhooks the path, which is the credential itself.
 */
export function redactUrl (value: string): string {
  try {
    const url = new URL(value)
    if (url.password !== '') url.password = 'redacted'
    if (url.hostname.endsWith('hooks.slack.com') || url.pathname.length > 1) {
      url.pathname = '/[redacted]'
    }
    url.search = ''
    return url.toString()
  } catch {
    return '[invalid url]'
  }
}

/**
 * Shows a URL setting that failed validation without the parts that can
 * hold a credential: the user information, and the path and query, which
 * carry the secret of a Slack webhook. The scheme and host stay, so that a
 * typing mistake can be seen, e.g. `hooks.slack.com/[redacted]`.
 */
export function redactInvalidUrl (value: string): string {
  const [, scheme = '', authority = '', rest = ''] = /^([^:/?#]*:\/\/)?([^/?#]*)([\s\S]*)$/.exec(value) ?? []
  const at = authority.lastIndexOf('@')
  const host = at === -1 ? authority : `[redacted]@${authority.slice(at + 1)}`
  return `${scheme}${host}${rest === '' ? '' : '/[redacted]'}`
}
