/*
 * AMQP headers the relay sets on its messages. Every message carries the
 * id of the HTTP request that brought it, so one alert can be followed in
 * the logs from the POST to the channel.
 */
export const headers = {
  requestId: 'x-request-id',
  /** When the server accepted the notification, in ms since the epoch. */
  receivedAt: 'x-received-at',
  notificationType: 'x-notification-type',
  receiver: 'x-receiver',
  /** Failed delivery attempts so far. */
  attempts: 'x-attempts',
  firstFailedAt: 'x-first-failed-at',
  lastFailedAt: 'x-last-failed-at',
  lastError: 'x-last-error',
  errorKind: 'x-error-kind',
  /** TTL of the retry queue the message waited in, in ms. */
  retryTier: 'x-retry-tier',
  deadLetteredAt: 'x-dead-lettered-at',
  /** Times an operator replayed the message from the dead-letter queue. */
  replays: 'x-replays',
  /** Parts of the delivery earlier attempts completed, e.g. SMS numbers reached. */
  completed: 'x-completed'
} as const

export type MessageHeaders = Record<string, unknown>

export function headerString (values: MessageHeaders | undefined, name: string): string | null {
  const value = values?.[name]
  if (typeof value === 'string') return value
  if (Buffer.isBuffer(value)) return value.toString('utf8')
  return null
}

export function headerList (values: MessageHeaders | undefined, name: string): string[] {
  const value = values?.[name]
  if (!Array.isArray(value)) return []
  return value.flatMap((item: unknown) => {
    if (typeof item === 'string') return [item]
    return Buffer.isBuffer(item) ? [item.toString('utf8')] : []
  })
}

export function headerNumber (values: MessageHeaders | undefined, name: string): number | null {
  const value = values?.[name]
  if (typeof value === 'number' && Number.isFinite(value)) return value
  if (typeof value === 'string' && /^\d+$/.test(value)) return Number(value)
  return null
}
