import { createTransport } from 'nodemailer'
import addressparser, { type MailboxAddress } from 'nodemailer/lib/addressparser'
import { DeliveryError } from '../src/errors.js'
import { redactUrl } from '../src/logger.js'
import { renderEmail } from '../src/render/email.js'
import { printableAscii } from '../src/render/text.js'
import type { EmailReceiver } from '../src/routing/types.js'
import type { BackendFactory, Delivery } from './backend.js'
import { renderOrReject } from './render.js'

export interface EmailOptions extends Pick<EmailReceiver, 'smtpUrl' | 'from' | 'to' | 'template'> {
  /** Time allowed to connect, for the greeting and per idle socket, in ms (default 10000). */
  timeoutMs?: number
}

export const defaultTimeoutMs = 10_000

/**
 * nodemailer error codes that no retry can fix when the server sent no
 * response code: a bad envelope, missing or refused credentials, a bad
 * configuration.
 */
const permanentCodes = new Set(['EAUTH', 'ECONFIG', 'EENVELOPE', 'EMAXRECIPIENTS', 'ENOAUTH'])

interface SmtpFailure {
  code?: unknown
  responseCode?: unknown
  message?: unknown
}

/**
 * Classifies an SMTP failure. A 4xx reply is temporary and a 5xx reply
 * permanent, as SMTP defines them (RFC 5321, section 4.2.1). Without a
 * reply, connection errors and timeouts are retryable.
 */
export function classifySmtpError (error: unknown): DeliveryError {
  const failure: SmtpFailure = typeof error === 'object' && error !== null ? error : {}
  const status = typeof failure.responseCode === 'number' ? failure.responseCode : undefined
  const code = typeof failure.code === 'string' ? failure.code : undefined
  const retryable = status === undefined
    ? code === undefined || !permanentCodes.has(code)
    : status < 500
  const reason = printableAscii(String(failure.message ?? error))
  return new DeliveryError(`SMTP delivery failed: ${reason.slice(0, 200)}`, {
    retryable,
    status,
    cause: error
  })
}

/**
 * Returns the Message-ID of one delivery, the same on every attempt. A crash
 * can stop the relay from recording that the SMTP server took a message, so
 * it sends the message again. Mail systems that drop duplicates by
 * Message-ID then keep one copy.
 */
export function deliveryMessageId (delivery: Pick<Delivery, 'messageId' | 'receiver'>, from: string): string {
  const left = `${delivery.messageId}.${delivery.receiver}`.replace(/[^A-Za-z0-9.-]+/g, '-')
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1] ?? 'sqreen-relay.invalid'
  return `<${left}@${domain}>`
}

interface SentInfo {
  accepted: unknown[]
  rejected: unknown[]
  rejectedErrors?: SmtpFailure[]
}

/**
 * Builds the error for recipients the server rejected while it took the
 * message for others. The accepted ones go with the error into the
 * retried message, so that a retry or a replay writes only to the
 * rejected ones. A retry helps unless every rejection is permanent (5xx).
 */
function rejectedRecipients (info: SentInfo, total: number, reached: Set<string>): DeliveryError {
  const failures = info.rejectedErrors ?? []
  const retryable = failures.length === 0 || failures.some((failure) => classifySmtpError(failure).retryable)
  const details = failures.map((failure) => printableAscii(String(failure.message ?? '')))
  const reason = details.length > 0 ? details.join('; ') : info.rejected.map(String).join(', ')
  return new DeliveryError(`SMTP server rejected ${info.rejected.length} of ${total} recipients: ${reason.slice(0, 300)}`, {
    retryable,
    status: typeof failures[0]?.responseCode === 'number' ? failures[0].responseCode : undefined,
    completed: [...reached]
  })
}

/** Sends each notification as one e-mail to every recipient, text and HTML. */
export const createEmailBackend: BackendFactory<EmailOptions> = (options, logger) => {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
  const transport = createTransport({
    url: options.smtpUrl,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs
  })
  // One entry of `to` may hold several addresses, as in an e-mail header.
  const mailboxes = addressparser(options.to.join(', '), { flatten: true }) as MailboxAddress[]
  const target = redactUrl(options.smtpUrl)
  logger.debug({ target, recipients: mailboxes.length }, 'email backend ready')
  return {
    name: 'email',
    async send (delivery) {
      const { notification, messageId, attempt } = delivery
      const message = renderOrReject('e-mail', () => renderEmail(notification, options.template))
      const reached = new Set(delivery.completed)
      const pending = mailboxes.filter((mailbox) => !reached.has(mailbox.address))
      if (pending.length === 0) return
      let info: SentInfo
      try {
        info = await transport.sendMail({
          from: options.from,
          to: options.to,
          // A retry goes to the recipients still missing, with the same headers.
          envelope: { from: options.from, to: pending.map((mailbox) => mailbox.address) },
          messageId: deliveryMessageId(delivery, options.from),
          ...message,
          // Socket timeouts miss a server that keeps the connection busy
          // without finishing; aborting closes its connection.
          signal: AbortSignal.timeout(timeoutMs)
        })
      } catch (error) {
        if ((error as { code?: unknown }).code === 'EABORT') {
          throw new DeliveryError(`SMTP delivery did not finish within ${timeoutMs} ms`, { retryable: true, cause: error })
        }
        throw classifySmtpError(error)
      }
      for (const address of info.accepted) reached.add(String(address))
      if (info.rejected.length > 0) throw rejectedRecipients(info, mailboxes.length, reached)
      logger.debug({ messageId, attempt }, 'email sent')
    },
    async close () {
      transport.close()
    }
  }
}
