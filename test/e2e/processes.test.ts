import { setTimeout as delay } from 'node:timers/promises'
import { test } from 'tap'
import {
  copiesPerReceiver,
  countCopies,
  faultItems,
  newRunId,
  receivedTexts,
  spawnEntry,
  waitForExit,
  waitForOutput
} from '../fixtures/faults.js'
import { postSigned, startRelay, type Relay } from '../fixtures/relay.js'
import { secret, waitUntil } from '../fixtures/server.js'
import { sign } from '../../src/signature.js'

type Receiver = keyof typeof copiesPerReceiver
const receivers = Object.keys(copiesPerReceiver) as Receiver[]

function allDelivered (relay: Relay, runId: string, indexes: Iterable<number>): boolean {
  const texts = receivedTexts(relay)
  const wanted = [...indexes]
  return receivers.every((receiver) => {
    const counts = countCopies(runId, texts[receiver])
    return wanted.every((index) => (counts.get(index) ?? 0) >= copiesPerReceiver[receiver])
  })
}

test('consumer killed with SIGKILL mid-stream', async (t) => {
  const relay = await startRelay({ label: 'sigkill', withoutConsumer: true })
  t.teardown(relay.close)
  const env = { ...relay.env, LOG_LEVEL: 'info' }
  let consumer = spawnEntry('src/consumer.ts', env)
  t.teardown(() => { consumer.kill('SIGKILL') })
  await waitForOutput(consumer, /consumer started/)

  const runId = newRunId()
  const total = 300
  let sent = 0
  const sender = (async () => {
    for (let from = 0; from < total; from += 10) {
      const response = await postSigned(relay, JSON.stringify(faultItems(runId, from, 10))).catch((err: Error) => err)
      t.equal(response instanceof Response ? response.status : response.message, 200, `batch from ${from} accepted`)
      sent = from + 10
      await delay(100)
    }
  })()

  await waitUntil(() => relay.slack.received.length >= 60, 30_000, '60 Slack messages')
  // The stand-ins responded to what they have now well before the kill,
  // even on a loaded machine.
  const settledBefore = receivedTexts(relay)
  await delay(1500)
  consumer.kill('SIGKILL')
  t.equal(await waitForExit(consumer), 'SIGKILL')
  t.comment(`killed after ${sent} of ${total} notifications were sent`)

  consumer = spawnEntry('src/consumer.ts', env)
  await waitForOutput(consumer, /consumer started/)
  await sender
  await waitUntil(() => allDelivered(relay, runId, Array.from({ length: total }, (_, index) => index)), 60_000, 'every notification')
  await delay(1500)

  const texts = receivedTexts(relay)
  let duplicates = 0
  for (const receiver of receivers) {
    const counts = countCopies(runId, texts[receiver])
    t.equal(counts.size, total, `${receiver} lost nothing`)
    // A delivery to several SMS numbers succeeded only once every number got it.
    const settled = [...countCopies(runId, settledBefore[receiver])]
      .filter(([, count]) => count === copiesPerReceiver[receiver])
      .map(([index]) => index)
    const repeated = settled.filter((index) => counts.get(index) !== copiesPerReceiver[receiver])
    t.same(repeated, [], `${receiver} got nothing again that it had before the kill`)
    duplicates += [...counts.values()].filter((count) => count > copiesPerReceiver[receiver]).length
  }
  t.comment(`${duplicates} deliveries in flight at the kill were sent again`)

  consumer.kill('SIGTERM')
  t.equal(await waitForExit(consumer), 0, 'the restarted consumer exits 0 on SIGTERM')
})

test('SIGTERM under load drains both processes', async (t) => {
  const relay = await startRelay({ label: 'sigterm', withoutConsumer: true })
  t.teardown(relay.close)
  // Long enough for every delivery in flight to finish on a loaded machine.
  const env = { ...relay.env, LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '20000' }
  const server = spawnEntry('src/server.ts', env)
  const consumer = spawnEntry('src/consumer.ts', env)
  t.teardown(() => {
    server.kill('SIGKILL')
    consumer.kill('SIGKILL')
  })
  await waitForOutput(server, /Server listening at http:\/\/127\.0\.0\.1:\d+/)
  await waitForOutput(consumer, /consumer started/)
  const port = /Server listening at http:\/\/127\.0\.0\.1:(\d+)/.exec(server.output.join(''))?.[1] ?? ''

  const runId = newRunId()
  const accepted = new Set<number>()
  let next = 0
  let stopped = false
  const post = async (index: number): Promise<number> => {
    const body = Buffer.from(JSON.stringify(faultItems(runId, index, 1)))
    const response = await fetch(`http://127.0.0.1:${port}/v1/webhook`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/json', 'x-sqreen-integrity': sign(body, secret) }
    }).catch(() => null)
    return response?.status ?? 0
  }
  const senders = Promise.all(Array.from({ length: 8 }, async () => {
    while (!stopped) {
      const index = next++
      if (await post(index) === 200) accepted.add(index)
    }
  }))

  await waitUntil(() => accepted.size >= 150, 30_000, '150 accepted notifications')
  server.kill('SIGTERM')
  consumer.kill('SIGTERM')
  const [serverExit, consumerExit] = await Promise.all([waitForExit(server, 45_000), waitForExit(consumer, 45_000)])
  stopped = true
  await senders
  t.equal(serverExit, 0, 'the server exits 0')
  t.equal(consumerExit, 0, 'the consumer exits 0')
  t.comment(`${accepted.size} notifications were accepted before the shutdown`)

  // What the stopped consumer left in the queues is delivered by a new one.
  await relay.startConsumer()
  await waitUntil(() => allDelivered(relay, runId, accepted), 60_000, 'every accepted notification')
  await delay(1000)
  const texts = receivedTexts(relay)
  for (const receiver of receivers) {
    const counts = countCopies(runId, texts[receiver])
    const wrong = [...accepted].filter((index) => counts.get(index) !== copiesPerReceiver[receiver])
    t.same(wrong, [], `${receiver} got every accepted notification exactly once`)
  }
})
