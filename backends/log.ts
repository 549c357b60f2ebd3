import type { Notification } from '../src/notifications/types.js'
import { cleanFacts } from '../src/render/facts.js'
import { cleanText, truncate } from '../src/render/text.js'
import type { LogReceiver } from '../src/routing/types.js'
import type { BackendFactory } from './backend.js'

export type LogOptions = Pick<LogReceiver, 'template'>

/** Maximum description length in a log line, in code points. */
const maxDescriptionLength = 500

function cleanDescription (description: string | null): string | null {
  return description === null ? null : truncate(cleanText(description), maxDescriptionLength)
}

/**
 * Returns the normalised facts of a notification for a log line, without
 * the raw item. Strings are cleaned because a log viewer may render bidi
 * overrides and other invisible characters of attacker-controlled text.
 */
export function logFields (n: Notification): Record<string, unknown> {
  return {
    ...cleanFacts(n),
    title: cleanText(n.title),
    description: cleanDescription(n.description)
  }
}

/** Writes one info line per notification to the relay's own log. */
export const createLogBackend: BackendFactory<LogOptions> = (_options, logger) => ({
  name: 'log',
  async send (delivery) {
    logger.info({
      messageId: delivery.messageId,
      requestId: delivery.requestId,
      attempt: delivery.attempt,
      notification: logFields(delivery.notification)
    }, 'sqreen notification')
  }
})
