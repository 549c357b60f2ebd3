import { hash } from 'node:crypto'
import { configure } from 'safe-stable-stringify'
import type { SqreenItem } from './types.js'

/** Fields Sqreen changes when it resends the same notification. */
const resendFields = new Set(['retry_count', 'date_created'])

/**
 * Returns the sha256 hex digest of the notification without the fields that
 * change on a resend, serialised with sorted keys so that key order does
 * not matter.
 */
export function contentKey (item: SqreenItem): string {
  const kept = Object.fromEntries(
    Object.entries(item).filter(([key]) => !resendFields.has(key))
  )
  return hash('sha256', canonicalJson(kept))
}

/**
 * JSON with object keys sorted at every depth. Parsed JSON contains no cycles,
 * bigints or functions, so the output is what JSON.stringify would give
 * with sorted keys.
 */
export const canonicalJson = configure({ deterministic: true, bigint: false, circularValue: TypeError }) as
  (value: unknown) => string

/**
 * Maximum length of the type in AMQP properties, headers and metric labels. The
 * AMQP `type` property is a short string of at most 255 bytes, and Sqreen's
 * own types are under 40 characters.
 */
export const maxTypeLength = 64

/**
 * Returns the notification's type in either format, cut to maxTypeLength
 * characters of [A-Za-z0-9_.-] so that it fits AMQP fields and labels.
 */
export function notificationType (item: SqreenItem): string {
  const type = item.message_type ?? item.sqreen_payload_type
  if (typeof type !== 'string') return 'unknown'
  const safe = type.replace(/[^\w.-]/g, '_').slice(0, maxTypeLength)
  return safe === '' ? 'unknown' : safe
}
