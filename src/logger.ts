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
