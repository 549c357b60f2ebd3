import { setTimeout as delay } from 'node:timers/promises'
import { test, type Test } from 'tap'
import { startConsumer } from '../../src/consumer.js'
import { closeConnectionsOf, copiesPerReceiver, countCopies, faultItems, newRunId, receivedTexts } from '../fixtures/faults.js'
import { postSigned, startRelay, type Relay } from '../fixtures/relay.js'
import { waitUntil } from '../fixtures/server.js'

const total = 500

/** POSTs one notification, retrying a 503 the way Sqreen does. */
async function postUntilAccepted (relay: Relay, body: string): Promise<{ accepted: boolean, rejected: number }> {
  let rejected = 0
  for (let attempt = 0; attempt < 50; attempt++) {
    const response = await postSigned(relay, body).catch(() => null)
    if (response?.status === 200) return { accepted: true, rejected }
    rejected++
    await delay(200)
  }
  return { accepted: false, rejected }
}

/**
 * Streams `total` notifications through the relay from eight senders and
 * closes every broker connection of the relay twice on the way. Every
 * notification must reach each receiver exactly once, also when counted
 * `lateDuplicateMs` after the last close.
 */
async function streamThroughClosedConnections (t: Test, relay: Relay, lateDuplicateMs = 0): Promise<void> {
  const runId = newRunId()
  const items = faultItems(runId, 0, total)
  let rejected = 0
  let next = 0
  const sender = async (): Promise<void> => {
    while (next < total) {
      const index = next++
      const result = await postUntilAccepted(relay, JSON.stringify([items[index]]))
      t.ok(result.accepted, `notification ${index} accepted`)
      rejected += result.rejected
    }
  }
  const senders = Promise.all(Array.from({ length: 8 }, sender))

  await waitUntil(() => next >= 100, 30_000, '100 notifications sent')
  t.ok(await closeConnectionsOf(relay.prefix) >= 2, 'server and consumer connections closed')
  await waitUntil(() => next >= 300, 60_000, '300 notifications sent')
  t.ok(await closeConnectionsOf(relay.prefix) >= 2, 'closed again')
  const lastClose = Date.now()
  await senders
  t.comment(`${rejected} POSTs were answered 503 or failed and were retried`)

  const done = (): boolean => {
    const texts = receivedTexts(relay)
    return (Object.keys(copiesPerReceiver) as Array<keyof typeof copiesPerReceiver>)
      .every((receiver) => countCopies(runId, texts[receiver]).size === total)
  }
  await waitUntil(done, 90_000, 'every notification at every receiver')
  // Leave time for a late duplicate to show up, such as one that a
  // process sends once another process's claim on it expires.
  await delay(Math.max(1500, lastClose + lateDuplicateMs - Date.now()))
  const texts = receivedTexts(relay)
  for (const [receiver, copies] of Object.entries(copiesPerReceiver)) {
    const counts = countCopies(runId, texts[receiver as keyof typeof copiesPerReceiver])
    t.equal(counts.size, total, `${receiver} got every notification`)
    const duplicated = [...counts].filter(([, count]) => count !== copies).map(([index]) => index)
    t.same(duplicated, [], `${receiver} got each notification exactly ${copies} time(s)`)
  }
}

test('connections closed mid-stream', async (t) => {
  const relay = await startRelay({ label: 'conn-loss' })
  t.teardown(relay.close)
  await streamThroughClosedConnections(t, relay)
})

/** DELIVERY_TIMEOUT_MS of the test with two consumers, shorter than the default to keep claims short. */
const deliveryTimeoutMs = 3000
/** How long a claim of that test lasts: the attempt's limit, 1 s of grace, and 15 s for its record. */
const claimLeaseMs = deliveryTimeoutMs + 1000 + 15_000

test('connections closed under two consumers', async (t) => {
  const relay = await startRelay({ label: 'conn-loss-two', env: { DELIVERY_TIMEOUT_MS: String(deliveryTimeoutMs) } })
  t.teardown(relay.close)
  // Sends that finish after their connection was lost, whose records
  // must reach the stream once the consumer reconnects.
  relay.slack.latencyMs = 600
  // A redelivery can reach the other process, which did not see the
  // first attempt, and a notification can be routed by both.
  const second = await startConsumer({ env: relay.env })
  t.teardown(second.close)
  await waitUntil(() => second.consumer.ready, 15_000, 'the second consumer')
  await streamThroughClosedConnections(t, relay, claimLeaseMs + 2000)
})
