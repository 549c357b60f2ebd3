import addressparser, { type MailboxAddress } from 'nodemailer/lib/addressparser'

/** Returns what is wrong with a setting's value, or null when it is valid. */
export type FormatCheck = (value: string) => string | null

/** One `@` between a local part and a domain, without spaces or brackets. */
const mailbox = /^[^\s@<>()]+@[^\s@<>()]+$/

/**
 * Checks an e-mail address as nodemailer reads it, with or without a
 * display name: `alerts@example.com` or `Relay <alerts@example.com>`.
 */
export const emailAddressProblem: FormatCheck = (value) => {
  const mailboxes = addressparser(value, { flatten: true }) as MailboxAddress[]
  if (mailboxes.length > 1) return 'must be one e-mail address'
  const address = mailboxes[0]?.address ?? ''
  return mailbox.test(address) ? null : 'must be an e-mail address such as alerts@example.com'
}

const e164 = /^\+[1-9][0-9]{1,14}$/

export const phoneNumberProblem: FormatCheck = (value) =>
  e164.test(value) ? null : 'must be an E.164 number such as +33612345678'
