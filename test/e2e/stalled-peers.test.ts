import { writeFile } from 'node:fs/promises'
import { createServer, type Server, type Socket } from 'node:net'
import { join } from 'node:path'
import { test, type Test } from 'tap'
import { runCli } from '../../src/cli.js'
import { topologyNames } from '../../src/broker/topology.js'
import { queueDepth, waitForDepth } from '../fixtures/broker.js'
import { captureCli } from '../fixtures/cli.js'
import { faultItems, newRunId } from '../fixtures/faults.js'
import { postSigned, startRelay } from '../fixtures/relay.js'
import { waitUntil } from '../fixtures/server.js'
import { listenOnLoopback } from '../fixtures/stub-helpers.js'

/*
 * Peers that keep a connection alive but never finish the exchange: an
 * SMTP server that replies to EHLO with an endless multi-line reply, and a
 * TCP listener that never speaks AMQP. Socket idle timeouts never fire on
 * them, so only the consumer's own limit per attempt ends the delivery.
 */

async function startServerOf (t: Test, onConnection: (socket: Socket) => void): Promise<number> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.on('error', () => {})
    socket.on('close', () => sockets.delete(socket))
    onConnection(socket)
  })
  const port = await listenOnLoopback(server)
  t.teardown(async () => {
    for (const socket of sockets) socket.destroy()
    await new Promise((resolve) => { server.close(resolve) })
  })
  return port
}

/** Greets, then sends one more `250-` line every 200 ms and never the last one. */
async function startTricklingSmtp (t: Test): Promise<{ port: number, connections: () => number }> {
  let open = 0
  const port = await startServerOf(t, (socket) => {
    open++
    socket.on('close', () => { open-- })
    socket.write('220 slow.example ESMTP\r\n')
    socket.once('data', () => {
      const timer = setInterval(() => { socket.write('250-still thinking\r\n') }, 200)
      socket.on('close', () => { clearInterval(timer) })
    })
  })
  return { port, connections: () => open }
}

async function parkedReasons (env: NodeJS.ProcessEnv): Promise<string> {
  const io = captureCli(env)
  await runCli(['dead-letters', 'list'], io)
  return io.output.join('')
}

test('an SMTP server that never finishes its reply is given up on', async (t) => {
  const { port, connections: smtpConnections } = await startTricklingSmtp(t)
  const relay = await startRelay({
    label: 'stalled-smtp',
    env: { SMTP_URL: `smtp://127.0.0.1:${port}`, DELIVERY_TIMEOUT_MS: '500', DELIVERY_MAX_ATTEMPTS: '1' }
  })
  t.teardown(relay.close)
  t.equal((await postSigned(relay, JSON.stringify(faultItems(newRunId(), 0, 1)))).status, 200)
  const deadLetters = topologyNames(relay.prefix).deadLetters
  await waitForDepth(deadLetters, 1)
  t.equal(await queueDepth(deadLetters), 1, 'the e-mail delivery is parked')
  t.match(await parkedReasons(relay.env), /email\s.*exhausted.*SMTP delivery did not finish within 500 ms/)
  await waitUntil(() => smtpConnections() === 0, 5000, 'the SMTP connection to close')
  t.pass('the given-up attempt left no connection open')
  t.equal(relay.slack.received.length, 1, 'Slack was not held up')
})

test('silent AMQP peer is given up on', async (t) => {
  const port = await startServerOf(t, () => {})
  const routes = join(t.testdir(), 'routes.yml')
  await writeFile(routes, `receivers:
  bus:
    type: amqp
    url: \${BUS_URL}
    exchange: ''
    routing_key: nowhere
routes:
  - name: all
    receivers: [bus]
`)
  const relay = await startRelay({
    label: 'stalled-amqp',
    receivers: ['bus'],
    env: {
      ROUTES_FILE: routes,
      BUS_URL: `amqp://guest:guest@127.0.0.1:${port}`,
      DELIVERY_TIMEOUT_MS: '500',
      DELIVERY_MAX_ATTEMPTS: '1'
    }
  })
  t.teardown(relay.close)
  t.equal((await postSigned(relay, JSON.stringify(faultItems(newRunId(), 0, 1)))).status, 200)
  const deadLetters = topologyNames(relay.prefix).deadLetters
  await waitForDepth(deadLetters, 1)
  t.match(await parkedReasons(relay.env), /bus\s.*exhausted.*did not finish the delivery within 1500 ms/)

  const started = Date.now()
  await relay.stopConsumer()
  t.ok(Date.now() - started < 5000, 'the consumer stopped without waiting for the silent broker')
})
