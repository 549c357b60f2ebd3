import { createHmac, timingSafeEqual } from 'node:crypto'
import { splitList } from './config.js'

export type SignatureCheck = 'ok' | 'missing' | 'malformed' | 'mismatch'

// HMAC-SHA256 is 32 bytes, sent as 64 hex digits. Sqreen sends lower case,
// and upper case is accepted because hex is case-insensitive.
const signaturePattern = /^[0-9a-fA-F]{64}$/

/**
 * Computes the X-Sqreen-Integrity value of `body`: lower-case hex of
 * HMAC-SHA256 over the raw bytes, keyed with the UTF-8 bytes of `secret`,
 * even when the secret looks like hex.
 */
export function sign (body: Buffer, secret: string): string {
  return createHmac('sha256', Buffer.from(secret, 'utf8'))
    .update(body)
    .digest('hex')
}

/**
 * Checks an X-Sqreen-Integrity header against the raw body for each of
 * `secrets`, so that an old and a new secret both verify during rotation.
 * An absent or empty header is `missing`. Empty secrets are ignored,
 * because anyone can compute an HMAC keyed with the empty string.
 */
export function verifySignature (
  body: Buffer,
  header: string | undefined,
  secrets: string[]
): SignatureCheck {
  if (header === undefined || header === '') return 'missing'
  if (!signaturePattern.test(header)) return 'malformed'

  const received = Buffer.from(header, 'hex')
  const matches = secrets
    .filter((secret) => secret.length > 0)
    .some((secret) => {
      const expected = Buffer.from(sign(body, secret), 'hex')
      return timingSafeEqual(expected, received)
    })
  return matches ? 'ok' : 'mismatch'
}

/**
 * Splits the SQREEN_WEBHOOK_SECRET value into its secrets: comma-separated,
 * each trimmed, empty items dropped.
 */
export function parseSecrets (value: string | undefined): string[] {
  return splitList(value)
}
