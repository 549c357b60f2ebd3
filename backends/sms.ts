import { DeliveryError } from '../src/errors.js'
import { renderSms } from '../src/render/sms.js'
import type { SmsReceiver } from '../src/routing/types.js'
import type { BackendFactory } from './backend.js'
import { sendHttp } from './http.js'
import { renderOrReject } from './render.js'

export interface SmsOptions
  extends Pick<SmsReceiver, 'accountSid' | 'authToken' | 'from' | 'to' | 'apiUrl' | 'template'> {
  /** Time allowed for one request to Twilio, in milliseconds (default 10000). */
  timeoutMs?: number
}

export const defaultTimeoutMs = 10_000

interface NumberFailure {
  number: string
  error: DeliveryError
}

/**
 * Combines the failures of one attempt: retryable when any failure is,
 * so that the numbers that can still be reached get another attempt. The
 * numbers reached so far go with the error into the retried message, so
 * that a retry in any consumer process texts only the others.
 */
function combineFailures (failures: NumberFailure[], total: number, reached: Set<string>): DeliveryError {
  const retryable = failures.some((failure) => failure.error.retryable)
  const delays = failures.flatMap((failure) => failure.error.retryAfterMs ?? [])
  const details = failures.map((failure) => `${failure.number}: ${failure.error.message}`)
  const message = `SMS to ${failures.length} of ${total} numbers failed (${details.join('; ')})`
  return new DeliveryError(message, {
    retryable,
    retryAfterMs: delays.length === 0 ? undefined : Math.max(...delays),
    status: failures[0]?.error.status,
    completed: [...reached],
    cause: failures[0]?.error
  })
}

/** Returns the Message resource's sid from Twilio's 201 response, if any. */
function readSid (body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body)
    const sid = (parsed as { sid?: unknown } | null)?.sid
    return typeof sid === 'string' ? sid : undefined
  } catch {
    return undefined
  }
}

/**
 * Sends each notification through Twilio's Messages API, one request and
 * one SMS per number.
 */
export const createSmsBackend: BackendFactory<SmsOptions> = (options, logger) => {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs
  const baseUrl = options.apiUrl.replace(/\/+$/, '')
  const account = encodeURIComponent(options.accountSid)
  const url = `${baseUrl}/2010-04-01/Accounts/${account}/Messages.json`
  const credentials = Buffer.from(`${options.accountSid}:${options.authToken}`).toString('base64')

  async function sendOne (number: string, body: string): Promise<string | undefined> {
    const response = await sendHttp({
      url,
      headers: {
        authorization: `Basic ${credentials}`,
        'content-type': 'application/x-www-form-urlencoded'
      },
      body: new URLSearchParams({ To: number, From: options.from, Body: body }).toString(),
      timeoutMs,
      service: 'Twilio'
    })
    return readSid(response.body)
  }

  return {
    name: 'sms',
    attemptTimeoutMs: timeoutMs * options.to.length,
    async send (delivery) {
      const body = renderOrReject('SMS', () => renderSms(delivery.notification, options.template))
      const reached = new Set(delivery.completed)
      const failures: NumberFailure[] = []
      for (const number of options.to) {
        if (reached.has(number)) continue
        try {
          const sid = await sendOne(number, body)
          reached.add(number)
          logger.debug({ messageId: delivery.messageId, sid }, 'sms sent')
        } catch (error) {
          // sendHttp rejects only with a DeliveryError.
          failures.push({ number, error: error as DeliveryError })
        }
      }
      if (failures.length > 0) throw combineFailures(failures, options.to.length, reached)
    }
  }
}
