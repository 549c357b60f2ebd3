import { STATUS_CODES } from 'node:http'
import { type Command, InvalidArgumentError, Option } from 'commander'
import { request } from 'undici'
import { readLimitedBody } from '../../backends/http.js'
import type { CliIO } from '../cli.js'
import { maxDelayMs } from '../config.js'
import { redactInvalidUrl } from '../logger.js'
import { escapeInvisible } from '../render/text.js'
import { sign } from '../signature.js'
import { readBody, resolveSecret, secretOption, type SecretOptions } from './sign.js'

const defaultTimeoutMs = 10_000

interface SendOptions extends SecretOptions {
  url: string
  timeout: number
}

/**
 * Returns what is wrong with the --url value, or null. It is checked in
 * the action rather than by an option parser, because commander would
 * print the value in its error, password included.
 */
function urlProblem (value: string): string | null {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'must be an absolute http:// or https:// URL'
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return 'must be an http:// or https:// URL'
  // The signature is the only credential send passes on.
  if (url.username !== '' || url.password !== '') return 'must not contain a user name or password: remove them'
  return null
}

function parseTimeout (value: string): number {
  const timeoutMs = Number(value)
  // Node.js timers take at most 2^31 - 1 ms.
  if (!/^[0-9]+$/.test(value) || timeoutMs <= 0 || timeoutMs > maxDelayMs) {
    throw new InvalidArgumentError(`Expected a whole number of milliseconds from 1 to ${maxDelayMs}.`)
  }
  return timeoutMs
}

/** Describes a failed request: a timeout, or the socket error behind it. */
function describeRequestError (err: unknown, url: string, timeoutMs: number): string {
  const error = err as Error
  if (error.name === 'TimeoutError') {
    return `error: request to ${url} timed out after ${timeoutMs} ms`
  }
  return `error: request to ${url} failed: ${error.message}`
}

/**
 * POSTs the body with its signature and reads the start of the response,
 * enough for the relay's JSON, so that an endless body cannot fill memory.
 * A signed body goes only to the URL given: a 3xx is printed, not followed.
 */
async function post (url: string, body: Buffer, signature: string, timeoutMs: number) {
  const response = await request(url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-sqreen-integrity': signature
    },
    body,
    signal: AbortSignal.timeout(timeoutMs)
  })
  const text = await readLimitedBody(response.body)
  const location = response.headers.location
  return {
    status: response.statusCode,
    statusText: STATUS_CODES[response.statusCode] ?? '',
    ok: response.statusCode >= 200 && response.statusCode <= 299,
    location: typeof location === 'string' ? location : null,
    text
  }
}

/** Describes a non-2xx response, with the Location of a redirect resolved against `url`. */
function describeStatus (url: string, status: number, location: string | null): string {
  const message = `error: ${url} responded with HTTP ${status}`
  if (status < 300 || status > 399) return message
  if (location === null || !URL.canParse(location, url)) {
    return `${message}, a redirect without a valid Location that send does not follow: check --url`
  }
  const target = new URL(location, url).href
  return `${message}, a redirect to ${target} that send does not follow: pass that URL as --url if it is the relay`
}

async function send (file: string, options: SendOptions, command: Command, io: CliIO) {
  const problem = urlProblem(options.url)
  if (problem !== null) command.error(`error: --url ${problem} (got ${JSON.stringify(redactInvalidUrl(options.url))})`)
  const secret = resolveSecret(command, options, io.env)
  const body = await readBody(command, file)

  let response: Awaited<ReturnType<typeof post>>
  try {
    response = await post(options.url, body, sign(body, secret), options.timeout)
  } catch (err) {
    command.error(describeRequestError(err, options.url, options.timeout))
  }

  io.stdout(`HTTP ${response.status} ${response.statusText}\n`)
  const text = escapeInvisible(response.text)
  if (text !== '') io.stdout(text.endsWith('\n') ? text : `${text}\n`)
  if (!response.ok) {
    command.error(describeStatus(options.url, response.status, response.location), {
      code: 'sqreen-relay.http-status'
    })
  }
}

/**
 * Adds `send FILE --url URL`, which signs a file's exact bytes and POSTs
 * them the way Sqreen does. The exit code is 0 only on a 2xx response, and
 * redirects are not followed.
 */
export function registerSend (program: Command, io: CliIO): void {
  program
    .command('send')
    .description('sign a file\'s exact bytes and POST them as a Sqreen webhook')
    .argument('<file>', 'request body to send, read as raw bytes')
    .requiredOption(
      '--url <url>',
      'webhook endpoint, e.g. http://127.0.0.1:3000/v1/webhook'
    )
    .addOption(secretOption())
    .addOption(
      new Option('--timeout <ms>', 'time limit for the whole request, in milliseconds')
        .argParser(parseTimeout)
        .default(defaultTimeoutMs)
    )
    .action(async (file: string, options: SendOptions, command: Command) => {
      await send(file, options, command, io)
    })
}
