import { Agent, request as httpRequest } from 'node:http'
import { connect, type AddressInfo } from 'node:net'
import { test, type Test } from 'tap'
import { topologyNames } from '../src/broker/topology.js'
import { deleteTopology, openConnection, uniquePrefix } from './fixtures/broker.js'
import { connectionBlockedFrame, connectionUnblockedFrame, startBrokerProxy } from './fixtures/broker-proxy.js'
import { readResponse, sendRaw, type RawResponse } from './fixtures/raw-http.js'
import { signedHeaders, startServer, startTestServer, waitUntil } from './fixtures/server.js'

/** POSTs a signed body on a keep-alive connection. */
async function post (port: number, body: string, agent: Agent): Promise<{ status: number, connection?: string, body: string }> {
  return await new Promise((resolve, reject) => {
    const headers = signedHeaders(body)
    const request = httpRequest({ host: '127.0.0.1', port, method: 'POST', path: '/v1/webhook', headers, agent }, (response) => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => {
        const connection = response.headers.connection
        resolve({ status: response.statusCode ?? 0, connection, body: Buffer.concat(chunks).toString('utf8') })
      })
    })
    request.on('error', reject)
    request.end(body)
  })
}

test('request during close gets 503 with Retry-After', async (t) => {
  const prefix = uniquePrefix('closing')
  const proxy = await startBrokerProxy(t)
  const env = { AMQP_PREFIX: prefix, AMQP_URL: proxy.url, RETRY_AFTER_SECONDS: '7' }
  const server = await startServer(env)
  let closed: Promise<void> | undefined
  t.teardown(async () => {
    proxy.release()
    await (closed ?? server.close())
    await deleteTopology({ prefix })
  })
  await server.listen({ host: '127.0.0.1', port: 0 })
  await waitUntil(() => server.amqp.ready, 10_000, 'the publisher channel')
  const { port } = server.server.address() as AddressInfo

  // A connection that has started a request is not idle, so close() keeps
  // it open and the rest of the request arrives while the server closes.
  const late = connect(port, '127.0.0.1')
  t.teardown(() => { late.destroy() })
  await new Promise((resolve) => late.once('connect', resolve))
  late.write(`POST /v1/webhook HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`)

  // A publish in flight, on a keep-alive connection, whose confirm the
  // proxy holds back.
  proxy.hold()
  const body = '[{"sqreen_payload_type": "test"}]'
  const agent = new Agent({ keepAlive: true })
  t.teardown(() => { agent.destroy() })
  const inFlight = post(port, body, agent)
  await waitUntil(() => proxy.bytesSinceHold > 0, 10_000, 'the publish to reach the broker')

  closed = server.close()
  let closeDone = false
  void closed.then(() => { closeDone = true })
  await waitUntil(() => !server.server.listening, 10_000, 'the server to stop listening')

  const headers = signedHeaders(body)
  late.write(`Content-Type: ${headers['content-type'] ?? ''}\r\nX-Sqreen-Integrity: ${headers['x-sqreen-integrity'] ?? ''}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`)
  const response = await readResponse(late)
  t.equal(response.status, 503)
  t.equal(response.headers['retry-after'], '7')
  t.match(response.headers['content-type'], /^application\/json/)
  t.equal(response.headers.connection, 'close')
  t.same(JSON.parse(response.body), {
    error: 'Service Unavailable',
    code: 'RELAY_SHUTTING_DOWN',
    message: 'The server is shutting down: retry after the delay in Retry-After'
  })
  t.notOk(closeDone, 'close() waits for the publish in flight')

  proxy.release()
  const accepted = await inFlight
  t.equal(accepted.status, 200, 'the publish in flight is confirmed')
  t.equal(JSON.parse(accepted.body).accepted, 1)
  t.equal(accepted.connection, 'close', 'the response ends its keep-alive connection')
  const started = Date.now()
  await closed
  t.ok(Date.now() - started < 5000, 'close() does not wait for the keep-alive timeout')
})

test('a blocked broker makes the server unready and answer 503 at once', async (t) => {
  const proxy = await startBrokerProxy(t)
  const { server } = await startTestServer(t, 'blocked', { AMQP_URL: proxy.url, PUBLISH_TIMEOUT_MS: '60000' })
  await waitUntil(() => server.amqp.ready, 10_000, 'the publisher channel')
  const body = '[{"sqreen_payload_type": "test"}]'
  const post = async () => await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })

  proxy.inject(connectionBlockedFrame('low on memory'))
  await waitUntil(() => !server.amqp.ready, 10_000, 'the server to see the block')
  t.equal((await server.inject({ method: 'GET', url: '/readyz' })).statusCode, 503)
  // The broker behind the proxy is not really blocked and would confirm,
  // so this 503 comes from the relay's own check.
  const refused = await post()
  t.equal(refused.statusCode, 503)
  t.equal(refused.json().code, 'RELAY_BROKER_UNAVAILABLE')

  proxy.inject(connectionUnblockedFrame())
  await waitUntil(() => server.amqp.ready, 10_000, 'the server to see the unblock')
  t.equal((await post()).statusCode, 200)
})

test('a blocked broker does not hold up close()', async (t) => {
  const prefix = uniquePrefix('blocked-close')
  const proxy = await startBrokerProxy(t)
  const server = await startServer({ AMQP_PREFIX: prefix, AMQP_URL: proxy.url, SHUTDOWN_TIMEOUT_MS: '60000' })
  t.teardown(async () => { await deleteTopology({ prefix }) })
  await waitUntil(() => server.amqp.ready, 10_000, 'the publisher channel')
  // RabbitMQ stops reading from a blocked connection, so nothing the
  // relay sends from now on gets a response.
  proxy.hold()
  proxy.inject(connectionBlockedFrame('low on memory'))
  await waitUntil(() => !server.amqp.ready, 10_000, 'the server to see the block')
  await server.close()
  t.pass('close() finished before the test timeout, without a drain of SHUTDOWN_TIMEOUT_MS')
})

/** Sends raw bytes and returns all the server wrote before it closed. */
async function sendRawText (port: number, bytes: string): Promise<string> {
  const socket = connect(port, '127.0.0.1')
  socket.on('error', () => {})
  await new Promise((resolve) => socket.once('connect', resolve))
  socket.write(bytes)
  const chunks: Buffer[] = []
  socket.on('data', (chunk: Buffer) => chunks.push(chunk))
  await new Promise((resolve) => socket.once('close', resolve))
  return Buffer.concat(chunks).toString('utf8')
}

test('Node.js rejections get JSON errors', async (t) => {
  const { server } = await startTestServer(t, 'client-errors')
  await server.listen({ host: '127.0.0.1', port: 0 })
  const { port } = server.server.address() as AddressInfo
  await waitUntil(() => server.amqp.ready, 10_000, 'the publisher channel')

  const cases = [
    { bytes: 'POST /v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', status: 400, code: 'RELAY_BAD_REQUEST' },
    { bytes: `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(70_000)}\r\n\r\n`, status: 431, code: 'RELAY_HEADERS_TOO_LARGE' },
    { bytes: 'NOT HTTP AT ALL\r\n\r\n', status: 400, code: 'RELAY_BAD_REQUEST' }
  ]
  for (const { bytes, status, code } of cases) {
    const response = await sendRaw(port, bytes)
    t.equal(response.status, status, code)
    t.match(response.headers['content-type'], /^application\/json/)
    t.equal(response.headers['x-content-type-options'], 'nosniff', code)
    t.equal(response.headers['x-frame-options'], 'DENY', code)
    t.equal(response.headers['content-security-policy'], "default-src 'none'", code)
    t.match(response.headers['x-request-id'], /^[0-9a-f-]{36}$/, code)
    t.match(JSON.parse(response.body), { error: String(status === 431 ? 'Request Header Fields Too Large' : 'Bad Request'), code }, code)
  }

  // Valid requests pipelined before garbage get their own responses
  // first, then the 400 closes the connection.
  const body = '[{"sqreen_payload_type": "test"}]'
  const headers = signedHeaders(body)
  const valid = 'POST /v1/webhook HTTP/1.1\r\nHost: x\r\n' +
    `Content-Type: ${headers['content-type'] ?? ''}\r\nX-Sqreen-Integrity: ${headers['x-sqreen-integrity'] ?? ''}\r\n` +
    `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`
  const pipelined = await sendRawText(port, `${valid}${valid}${valid}GARBAGE\r\n\r\n`)
  const statuses = [...pipelined.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((match) => match[1])
  t.same(statuses, ['200', '200', '200', '400'], 'each valid request gets its 200, then the 400')

  const counted = await server.inject({ method: 'GET', url: '/metrics' })
  t.match(counted.body, 'sqreen_relay_http_requests_total{method="unknown",route="unmatched",status_code="400"} 3')
  t.match(counted.body, 'sqreen_relay_http_requests_total{method="unknown",route="unmatched",status_code="431"} 1')

  const expectation = await sendRaw(port, 'POST /v1/webhook HTTP/1.1\r\nHost: x\r\nExpect: banana\r\nContent-Length: 0\r\n\r\n')
  t.equal(expectation.status, 417)
  t.equal(expectation.headers['content-security-policy'], "default-src 'none'")
  t.match(JSON.parse(expectation.body), { code: 'RELAY_EXPECTATION_FAILED', message: /Expect: "banana"/ })

  // Only the webhook reads a body: elsewhere a broken one changes nothing.
  for (const url of ['/nope', '/healthz', '/v1/nope']) {
    for (const payload of ['{"broken', '']) {
      const response = await server.inject({ method: 'POST', url, payload, headers: { 'content-type': 'application/json' } })
      t.equal(response.statusCode, 404, `POST ${url} ${JSON.stringify(payload)}`)
      t.equal(response.json().code, 'RELAY_NOT_FOUND')
    }
  }

  const badUrl = await server.inject({ method: 'POST', url: '/v1/%ZZ' })
  t.equal(badUrl.statusCode, 400)
  t.equal(badUrl.headers['content-security-policy'], "default-src 'none'", 'bad URL: security headers')
  t.match(badUrl.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'bad URL: request id')
  t.match(badUrl.json(), { error: 'Bad Request', code: 'RELAY_BAD_URL', message: /^The URL "\/v1\/%ZZ" is not valid .*: percent-encode it$/ })
  const after = await server.inject({ method: 'GET', url: '/metrics' })
  t.match(after.body, 'sqreen_relay_http_requests_total{method="POST",route="unmatched",status_code="417"} 1')
  t.match(after.body, 'sqreen_relay_http_requests_total{method="POST",route="unmatched",status_code="400"} 1')
})

const missingHost = {
  error: 'Bad Request',
  code: 'RELAY_BAD_REQUEST',
  message: 'The HTTP/1.1 request has no Host header: send one, such as Host: relay.example.com'
}

test('missing Host gets a JSON 400', async (t) => {
  const { server } = await startTestServer(t, 'missing-host')
  await server.listen({ host: '127.0.0.1', port: 0 })
  const { port } = server.server.address() as AddressInfo

  const cases = {
    'a GET': 'GET /healthz HTTP/1.1\r\n\r\n',
    'a webhook POST': 'POST /v1/webhook HTTP/1.1\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n[]',
    'an unknown route': 'GET /nope HTTP/1.1\r\n\r\n',
    'a keep-alive request': 'GET /healthz HTTP/1.1\r\nConnection: keep-alive\r\n\r\n'
  }
  for (const [name, bytes] of Object.entries(cases)) {
    const response = await sendRaw(port, bytes)
    t.equal(response.status, 400, `${name}: status`)
    t.match(response.headers['content-type'], /^application\/json/, `${name}: JSON`)
    t.same(JSON.parse(response.body), missingHost, `${name}: body`)
    t.equal(response.headers['x-content-type-options'], 'nosniff', `${name}: nosniff`)
    t.equal(response.headers['x-frame-options'], 'DENY', `${name}: frame options`)
    t.equal(response.headers['content-security-policy'], "default-src 'none'", `${name}: CSP`)
    t.match(response.headers['strict-transport-security'], /^max-age=31536000/, `${name}: HSTS`)
    t.match(response.headers['x-request-id'], /^[0-9a-f-]{36}$/, `${name}: request id`)
    t.equal(response.headers.connection, 'close', `${name}: connection closed`)
  }

  const traced = await sendRaw(port, 'GET /healthz HTTP/1.1\r\nX-Request-Id: trace-1\r\n\r\n')
  t.equal(traced.headers['x-request-id'], 'trace-1', 'the caller\'s request id is kept')

  const accepted = {
    'HTTP/1.0 without Host': 'GET /healthz HTTP/1.0\r\n\r\n',
    'HTTP/1.1 with an empty Host': 'GET /healthz HTTP/1.1\r\nHost:\r\nConnection: close\r\n\r\n',
    'HTTP/1.1 with a Host': 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
  }
  for (const [name, bytes] of Object.entries(accepted)) {
    const response = await sendRaw(port, bytes)
    t.equal(response.status, 200, name)
    t.same(JSON.parse(response.body), { status: 'ok' }, name)
  }

  const metrics = await server.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, 'sqreen_relay_http_requests_total{method="GET",route="/healthz",status_code="400"} 3')
  t.match(metrics.body, 'sqreen_relay_http_requests_total{method="POST",route="/v1/webhook",status_code="400"} 1')
})

/** Checks the JSON body and the security headers of a raw error response. */
function assertRawError (t: Test, response: RawResponse, expected: { status: number, code: string, message: RegExp | string }, name: string): void {
  t.equal(response.status, expected.status, `${name}: status`)
  t.match(JSON.parse(response.body), { code: expected.code, message: expected.message }, `${name}: body`)
  t.equal(response.headers['content-security-policy'], "default-src 'none'", `${name}: security headers`)
  t.match(response.headers['x-request-id'], /^[0-9a-f-]{36}$/, `${name}: request id`)
  t.equal(response.headers.connection, 'close', `${name}: connection closed`)
}

test('framing the relay does not take gets JSON errors', async (t) => {
  const { server } = await startTestServer(t, 'framing')
  await server.listen({ host: '127.0.0.1', port: 0 })
  const { port } = server.server.address() as AddressInfo
  const body = '[{"sqreen_payload_type":"test"}]'

  const twoHosts = await sendRaw(port, `POST /v1/webhook HTTP/1.1\r\nHost: a\r\nHost: b\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`)
  assertRawError(t, twoHosts, { status: 400, code: 'RELAY_BAD_REQUEST', message: 'The request has 2 Host headers: send exactly one' }, 'two Host headers')
  const twoHostsOld = await sendRaw(port, 'GET /healthz HTTP/1.0\r\nHost: a\r\nHost: a\r\n\r\n')
  t.equal(twoHostsOld.status, 400, 'two Host headers in HTTP/1.0')

  const connect = await sendRaw(port, 'CONNECT 127.0.0.1:443 HTTP/1.1\r\nHost: 127.0.0.1:443\r\n\r\n')
  assertRawError(t, connect, { status: 404, code: 'RELAY_NOT_FOUND', message: /^No route CONNECT 127\.0\.0\.1:443: / }, 'CONNECT')

  const gzip = await sendRaw(port, 'POST /v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
    `Transfer-Encoding: gzip, chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`)
  assertRawError(t, gzip, {
    status: 501,
    code: 'RELAY_UNSUPPORTED_TRANSFER_ENCODING',
    message: 'Transfer-Encoding "gzip, chunked" is not supported: send the body with Content-Length or Transfer-Encoding: chunked'
  }, 'gzip transfer coding')

  const chunked = await sendRaw(port, 'POST /v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n' +
    `Transfer-Encoding: Chunked\r\n\r\n${body.length.toString(16)}\r\n${body}\r\n0\r\n\r\n`)
  t.equal(chunked.status, 401, 'chunked in any case reaches the signature check')

  const metrics = await server.inject({ method: 'GET', url: '/metrics' })
  t.match(metrics.body, 'sqreen_relay_http_requests_total{method="CONNECT",route="unmatched",status_code="404"} 1')
})

test('stalled requests get 408', async (t) => {
  const { server } = await startTestServer(t, 'stalled', { REQUEST_TIMEOUT_MS: '500' })
  await server.listen({ host: '127.0.0.1', port: 0 })
  const { port } = server.server.address() as AddressInfo
  const cases = {
    'a body that stops': 'POST /v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[{"sq',
    'headers that stop': 'POST /v1/webhook HTTP/1.1\r\nHost: x\r\nContent-Ty'
  }
  for (const [name, bytes] of Object.entries(cases)) {
    const response = await sendRaw(port, bytes)
    t.equal(response.status, 408, name)
    t.match(JSON.parse(response.body), { error: 'Request Timeout', code: 'RELAY_REQUEST_TIMEOUT' }, name)
  }
})

test('a deleted route queue is declared again', async (t) => {
  const { server, prefix } = await startTestServer(t, 'route-deleted')
  await waitUntil(() => server.amqp.ready, 10_000, 'the publisher channel')
  const connection = await openConnection()
  t.teardown(async () => { await connection.close() })
  const channel = await connection.createChannel()
  await channel.deleteQueue(topologyNames(prefix).route)

  const body = '[{"sqreen_payload_type": "test"}]'
  const post = async () => await server.inject({ method: 'POST', url: '/v1/webhook', payload: body, headers: signedHeaders(body) })
  const returned = await post()
  t.equal(returned.statusCode, 503, 'a returned notification is never accepted')
  await waitUntil(() => server.amqp.ready, 10_000, 'the topology declared again')
  t.equal((await post()).statusCode, 200)
  t.equal((await channel.checkQueue(topologyNames(prefix).route)).messageCount, 1)
})
