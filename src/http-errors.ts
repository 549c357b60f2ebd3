import { randomUUID } from 'node:crypto'
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http'
import type { Socket } from 'node:net'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import fp from 'fastify-plugin'
import { countUnroutedResponse } from '../plugins/metrics.js'
import { DuplicateHostError, MissingHostError, NotFoundError, UnsupportedTransferEncodingError } from './errors.js'
import { applySecurityHeaders, securityHeaderLines, securityHeaders } from './security-headers.js'

/** Builds the JSON body of an error response: `{error, code, message}`. */
export function errorBody (error: { code?: string, message: string }, status: number, extra: object = {}): object {
  return { error: STATUS_CODES[status], code: error.code, message: error.message, ...extra }
}

/**
 * Returns a handler that responds to an unknown route with a JSON 404 whose
 * message names the routes the program serves.
 */
function notFoundHandler (routes: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const error = new NotFoundError(request.method, request.url.split('?')[0], routes)
    return await reply.code(404).send(errorBody(error, 404))
  }
}

interface ClientError {
  status: number
  code: string
  message: string
}

/** Responses to requests Node.js rejects before they reach Fastify, by error code. */
const clientErrors: Record<string, ClientError> = {
  ERR_HTTP_REQUEST_TIMEOUT: {
    status: 408,
    code: 'RELAY_REQUEST_TIMEOUT',
    message: 'The request did not arrive in time: send the whole request at once'
  },
  HPE_HEADER_OVERFLOW: {
    status: 431,
    code: 'RELAY_HEADERS_TOO_LARGE',
    message: 'The request headers are too large: send fewer or shorter headers'
  }
}

const badRequest: ClientError = {
  status: 400,
  code: 'RELAY_BAD_REQUEST',
  message: 'The request is not valid HTTP/1.1: check the request line, the headers and Content-Length'
}

/**
 * Maximum wait for the responses still due to earlier requests of a
 * connection before its error response, in ms. A webhook response takes
 * at most PUBLISH_TIMEOUT_MS (5 s by default) after its body arrived.
 */
const earlierResponsesTimeoutMs = 30_000

/**
 * Responds to a request that Node.js could not parse, or that timed out, with
 * the relay's JSON error body, then closes the connection, as Node.js does.
 * Fastify calls it with the instance as `this`.
 */
export function clientErrorHandler (this: FastifyInstance, err: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has no client left to respond to.
  if (err.code === 'ECONNRESET' || socket.destroyed) return
  const answer = clientErrors[err.code ?? ''] ?? badRequest
  this.log.debug({ err, code: answer.code }, 'client error')
  afterEarlierResponses(socket, () => {
    if (socket.writable) {
      writeRawError(socket, answer)
      // The request line may be unreadable, so the method is not known.
      countUnroutedResponse(this, 'unknown', answer.status)
    }
    socket.destroy()
  })
}

/** Writes a JSON error response, with the security headers, straight to a socket. */
function writeRawError (socket: Socket, answer: ClientError): void {
  const body = JSON.stringify(errorBody(answer, answer.status))
  socket.write(`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status] ?? ''}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `${securityHeaderLines}X-Request-Id: ${randomUUID()}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`)
}

/**
 * Returns a 'connect' listener of the instance's server, which responds to
 * a CONNECT request with the JSON 404 of any other unknown route. Node.js
 * passes CONNECT to these listeners only, and without one it destroys the
 * socket without a response.
 */
function rejectConnect (fastify: FastifyInstance, routes: string) {
  return (request: IncomingMessage, socket: Socket): void => {
    const error = new NotFoundError('CONNECT', (request.url ?? '').slice(0, 200), routes)
    if (socket.writable) writeRawError(socket, { status: 404, code: error.code, message: error.message })
    countUnroutedResponse(fastify, 'CONNECT', 404)
    socket.destroy()
  }
}

interface PendingResponse {
  headersSent: boolean
  req?: { complete: boolean }
  once: (event: 'finish', listener: () => void) => void
}

function pendingResponse (socket: Socket): PendingResponse | null {
  return (socket as Socket & { _httpMessage?: PendingResponse | null })._httpMessage ?? null
}

/**
 * Calls `next` once an error response would reach the client as the
 * response to the failed request. That is the case when no response is
 * pending, or when the pending one has not started and belongs to the
 * request whose body stalled. Until then, the responses of earlier,
 * complete requests go out first, so that the error does not read as one
 * of them.
 */
function afterEarlierResponses (socket: Socket, next: () => void): void {
  let called = false
  const finish = (): void => {
    if (called) return
    called = true
    clearTimeout(timer)
    socket.off('close', finish)
    next()
  }
  const timer = setTimeout(finish, earlierResponsesTimeoutMs).unref()
  socket.once('close', finish)
  const check = (): void => {
    const pending = pendingResponse(socket)
    if (socket.destroyed || pending === null || (!pending.headersSent && pending.req?.complete === false)) {
      finish()
      return
    }
    // Node.js hands the socket to the next queued response on 'finish'.
    pending.once('finish', () => { setImmediate(check) })
  }
  check()
}

/**
 * Reads every request body as bytes, whatever its Content-Type. A route
 * that reads no body then never responds with a parse error in place of
 * its own status, and the webhook's signature covers the exact bytes
 * received.
 */
function readBodiesAsBytes (fastify: FastifyInstance): void {
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => {
    done(null, body)
  })
}

/**
 * Returns a 'checkExpectation' listener of the instance's server, which
 * responds with 417 to a request whose Expect header is not 100-continue.
 * Node.js passes such a request to these listeners instead of the request
 * handler, and without a listener it sends 417 with an empty body and no
 * security headers.
 */
function rejectExpectation (fastify: FastifyInstance) {
  return (request: IncomingMessage, response: ServerResponse): void => {
    writeExpectationFailed(request, response)
    countUnroutedResponse(fastify, request.method ?? 'unknown', 417)
  }
}

function writeExpectationFailed (request: IncomingMessage, response: ServerResponse): void {
  const expect = JSON.stringify(String(request.headers.expect).slice(0, 200))
  const body = JSON.stringify(errorBody({
    code: 'RELAY_EXPECTATION_FAILED',
    message: `The server cannot meet Expect: ${expect}: send the request without it, or with Expect: 100-continue`
  }, 417))
  applySecurityHeaders(request, response)
  response.writeHead(417, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'x-request-id': randomUUID(),
    connection: 'close'
  })
  response.end(body)
}

/**
 * Options of the Node.js HTTP server of both programs. Node.js would
 * respond to an HTTP/1.1 request without Host with a bare 400, without the
 * JSON body and headers of the relay's errors, so httpBasics checks Host
 * in its place.
 */
export const httpServerOptions = { requireHostHeader: false } as const

/**
 * Responds with 400 to an HTTP/1.1 request without a Host header, and to
 * any request with several, as RFC 9112 (section 3.2) requires of a
 * server. Node.js keeps only the first of several. An empty Host is valid,
 * and HTTP/1.0 has no Host requirement.
 */
async function rejectBadHost (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const { rawHeaders } = request.raw
  let hosts = 0
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]?.toLowerCase() === 'host') hosts++
  }
  if (hosts === 1 || (hosts === 0 && request.raw.httpVersion !== '1.1')) return
  const error = hosts === 0 ? new MissingHostError() : new DuplicateHostError(hosts)
  return await sendAndClose(reply, error, 400)
}

/**
 * Responds with 501 to a request whose Transfer-Encoding is anything but
 * chunked, as RFC 9112 (section 6.1) advises. Node.js decodes the chunks
 * of `gzip, chunked` and leaves the gzip, so the relay would read and
 * verify other bytes than the client meant.
 */
async function rejectTransferEncoding (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const encoding = request.headers['transfer-encoding']
  if (encoding === undefined || encoding.trim().toLowerCase() === 'chunked') return
  return await sendAndClose(reply, new UnsupportedTransferEncodingError(JSON.stringify(encoding.slice(0, 100))), 501)
}

async function sendAndClose (reply: FastifyReply, error: { code: string, message: string }, status: number): Promise<FastifyReply> {
  return await reply.code(status)
    .header('x-request-id', reply.request.id)
    .header('connection', 'close')
    .send(errorBody(error, status))
}

export interface HttpBasicsOptions {
  /** The routes the program serves, named in the message of a 404. */
  routes: string
}

/**
 * Gives an instance the HTTP behaviour both programs share: the security
 * headers, bodies read as bytes, and JSON responses for an unknown route
 * or CONNECT, an unsupported Expect header or Transfer-Encoding, several
 * Host headers and, when the server is created with httpServerOptions, a
 * missing one.
 */
export const httpBasics = fp(async function httpBasics (fastify: FastifyInstance, options: HttpBasicsOptions): Promise<void> {
  readBodiesAsBytes(fastify)
  fastify.server.on('checkExpectation', rejectExpectation(fastify))
  fastify.server.on('connect', rejectConnect(fastify, options.routes))
  fastify.setNotFoundHandler(notFoundHandler(options.routes))
  await fastify.register(securityHeaders)
  // Added after the security headers' hook, so that these responses carry them.
  fastify.addHook('onRequest', rejectBadHost)
  fastify.addHook('onRequest', rejectTransferEncoding)
}, { name: 'http-basics' })
