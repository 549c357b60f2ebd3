import { request as undiciRequest } from 'undici'
import { DeliveryError } from '../src/errors.js'
import { redactUrl } from '../src/logger.js'
import { printableAscii } from '../src/render/text.js'

/*
 * HTTP delivery shared by every backend that calls an HTTP API, so that
 * they all classify failures the same way. A network error, a timeout, a
 * 5xx, 408 or 429 is retryable, because a later attempt can succeed. Any
 * other 4xx is permanent. A 3xx is permanent too, because redirects are
 * not followed: a signed POST must never be sent again to an address that
 * the operator did not configure. Error messages never contain the request
 * URL, because the URL of a Slack incoming webhook is itself a credential.
 * A redirect's Location appears with its path and query redacted by
 * redactUrl.
 */

export interface HttpRequest {
  url: string
  method?: string
  headers?: Record<string, string>
  body?: string
  /** Time allowed for the whole exchange, in milliseconds. */
  timeoutMs: number
  /** Name of the service in error messages, e.g. `Slack`. */
  service: string
}

export interface HttpResponse {
  status: number
  headers: Headers
  body: string
}

/** Maximum length of the body excerpt in an error message, in characters. */
const maxReasonLength = 200

/**
 * Bytes of a response body read at most. The relay needs only an error
 * excerpt or a small JSON document, and a hostile or broken peer must not
 * make the consumer buffer an endless body.
 */
export const maxResponseBytes = 64 * 1024

/**
 * Converts a Retry-After value, delay in seconds or an HTTP date, into
 * milliseconds from `now`. Returns undefined when the value is missing or
 * invalid, and 0 for a date in the past.
 */
export function parseRetryAfter (value: string | null, now = Date.now()): number | undefined {
  if (value === null) return undefined
  const text = value.trim()
  if (/^\d+$/.test(text)) return Number(text) * 1000
  // HTTP dates start with a day name. Date.parse alone would accept "-5".
  if (!/^[A-Za-z]{3}/.test(text)) return undefined
  const date = Date.parse(text)
  if (Number.isNaN(date)) return undefined
  return Math.max(0, date - now)
}

/**
 * Returns a short reason from an error body: `code message` of a JSON
 * error such as Twilio's, or the start of the text, such as Slack's
 * `invalid_payload`.
 */
export function describeBody (body: string): string {
  let reason = body
  try {
    const parsed: unknown = JSON.parse(body)
    if (typeof parsed === 'object' && parsed !== null && 'message' in parsed) {
      const { code, message } = parsed as { code?: unknown, message?: unknown }
      reason = code === undefined ? String(message) : `${String(code)} ${String(message)}`
    }
  } catch {}
  // A hostile server cannot put control characters in logs.
  return printableAscii(reason).slice(0, maxReasonLength)
}

export function isRetryableStatus (status: number): boolean {
  return status >= 500 || status === 408 || status === 429
}

/** Builds the DeliveryError of a response whose status is not 2xx. */
export function responseError (service: string, response: HttpResponse, requestUrl: string): DeliveryError {
  if (response.status >= 300 && response.status <= 399) return redirectError(service, response, requestUrl)
  const reason = describeBody(response.body)
  const detail = reason === '' ? '' : `: ${reason}`
  return new DeliveryError(`${service} responded with HTTP ${response.status}${detail}`, {
    retryable: isRetryableStatus(response.status),
    retryAfterMs: parseRetryAfter(response.headers.get('retry-after')),
    status: response.status
  })
}

/**
 * Builds the permanent DeliveryError of a 3xx response. The message names
 * the status and where the Location points, so that the operator can
 * change the receiver's URL.
 */
function redirectError (service: string, response: HttpResponse, requestUrl: string): DeliveryError {
  const target = describeLocation(response.headers.get('location'), requestUrl)
  const message = `${service} responded with HTTP ${response.status}, a redirect ${target} that the relay ` +
    'does not follow: set the receiver\'s URL to the new address'
  return new DeliveryError(message, { retryable: false, status: response.status })
}

/**
 * Describes a Location header, resolved against the request URL and
 * redacted as redactUrl does for logs, so its path and query stay hidden.
 * Adds "(same path)" when the path and query are the request's own, the
 * usual case of a move to https or to another host.
 */
function describeLocation (location: string | null, requestUrl: string): string {
  if (location === null) return 'without a Location header'
  let target: URL
  try {
    target = new URL(location, requestUrl)
  } catch {
    return 'to an invalid Location'
  }
  const request = new URL(requestUrl)
  const samePath = target.pathname === request.pathname && target.search === request.search
  return `to ${redactUrl(target.href)}${samePath ? ' (same path)' : ''}`
}

function networkError (request: HttpRequest, error: unknown): DeliveryError {
  const timedOut = error instanceof Error && error.name === 'TimeoutError'
  const message = timedOut
    ? `${request.service} did not respond within ${request.timeoutMs} ms`
    : `${request.service} request failed: ${describeNetworkError(error)}`
  return new DeliveryError(message, { retryable: true, cause: error })
}

/**
 * Names the cause of a failed request without the URL: the code of a
 * socket error, e.g. ECONNREFUSED, or the message of one of undici's own,
 * e.g. "other side closed".
 */
function describeNetworkError (error: unknown): string {
  const { code, message } = error as { code?: unknown, message?: unknown }
  if (typeof code === 'string' && !code.startsWith('UND_ERR')) return code
  return String(message ?? code)
}

/** Reads at most maxResponseBytes of a body as UTF-8 and drops the rest. */
export async function readLimitedBody (body: AsyncIterable<Buffer> & { destroy: () => void }): Promise<string> {
  const chunks: Buffer[] = []
  let size = 0
  for await (const chunk of body) {
    chunks.push(chunk)
    size += chunk.length
    if (size >= maxResponseBytes) {
      body.destroy()
      break
    }
  }
  return Buffer.concat(chunks).subarray(0, maxResponseBytes).toString('utf8')
}

/** Copies undici's header record, where a repeated header is an array, into Headers. */
function toHeaders (values: Record<string, string | string[] | undefined>): Headers {
  const headers = new Headers()
  for (const [name, value] of Object.entries(values)) {
    for (const item of Array.isArray(value) ? value : [value ?? '']) headers.append(name, item)
  }
  return headers
}

/**
 * Sends one HTTP request and returns the response when its status is 2xx.
 * Rejects with a DeliveryError otherwise, retryable or permanent as
 * described at the top of this file.
 */
export async function sendHttp (request: HttpRequest): Promise<HttpResponse> {
  let response: HttpResponse
  try {
    // undici's request API, not fetch: it costs a fifth of fetch's CPU per
    // request, and it returns a 3xx as it is, for redirectError.
    const answer = await undiciRequest(request.url, {
      method: (request.method ?? 'POST') as 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(request.timeoutMs)
    })
    response = {
      status: answer.statusCode,
      headers: toHeaders(answer.headers),
      body: await readLimitedBody(answer.body)
    }
  } catch (error) {
    throw networkError(request, error)
  }
  if (response.status < 200 || response.status > 299) throw responseError(request.service, response, request.url)
  return response
}
