import { ConfigError } from '../src/errors.js'
import { redactUrl } from '../src/logger.js'
import { renderSlack } from '../src/render/slack.js'
import type { SlackReceiver } from '../src/routing/types.js'
import type { BackendFactory } from './backend.js'
import { sendHttp } from './http.js'
import { renderOrReject } from './render.js'

export interface SlackOptions extends Pick<SlackReceiver, 'webhookUrl' | 'template'> {
  /** Time allowed for one POST, in milliseconds (default 10000). */
  timeoutMs?: number
}

export const defaultTimeoutMs = 10_000

/**
 * Throws a ConfigError for a URL that fetch cannot use. The message never
 * repeats the URL, because its path is the credential.
 */
function checkWebhookUrl (value: string): void {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(
      'The Slack webhook URL is not a valid URL: use the URL Slack gave for the incoming webhook'
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigError(`The Slack webhook URL must start with https://, got ${url.protocol}`)
  }
}

/** Posts each notification to a Slack incoming webhook as Block Kit JSON. */
export const createSlackBackend: BackendFactory<SlackOptions> = (options, logger) => {
  checkWebhookUrl(options.webhookUrl)
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
  logger.debug({ target: redactUrl(options.webhookUrl) }, 'slack backend ready')
  return {
    name: 'slack',
    async send (delivery) {
      const { notification, messageId, attempt } = delivery
      const message = renderOrReject('Slack', () => renderSlack(notification, options.template))
      await sendHttp({
        url: options.webhookUrl,
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
        timeoutMs,
        service: 'Slack'
      })
      logger.debug({ messageId, attempt }, 'slack message sent')
    }
  }
}
