/** Returns what is wrong with a setting's value, or null when it is valid. */
export type FormatCheck = (value: string) => string | null

/** One `@` between a local part and a domain, without spaces or brackets. */
const address = '[^\\s@<>()",;]+@[^\\s@<>()",;]+'

/**
 * The two forms of one recipient: a bare address, or a display name and an
 * address in angle brackets. A display name contains no `@` unless quoted, so
 * that `a@example.com b@example.com`, which nodemailer reads as the
 * address b@example.com named "a@example.com", is not one recipient.
 */
const mailbox = new RegExp(`^(?:${address}|(?:"[^"\\r\\n]*"[ \\t]*|[^"<>@,;\\r\\n]*)<${address}>)$`)

/** Checks one e-mail address: `alerts@example.com` or `Relay <alerts@example.com>`. */
export const emailAddressProblem: FormatCheck = (value) => {
  if (mailbox.test(value.trim())) return null
  return /@[\s\S]*@/.test(value)
    ? 'must be one e-mail address, and a list separates addresses with commas'
    : 'must be an e-mail address such as alerts@example.com'
}

const e164 = /^\+[1-9][0-9]{1,14}$/

export const phoneNumberProblem: FormatCheck = (value) =>
  e164.test(value) ? null : 'must be an E.164 number such as +33612345678'
