import { setTimeout as delay } from 'node:timers/promises'
import { test, type Test } from 'tap'
import { startConsumer } from '../../src/consumer.js'
import { closeConnectionsOf, copiesPerReceiver, countCopies, faultItems, newRunId, receivedTexts } from '../fixtures/faults.js'
import { collectingLogger, postSigned, startRelay, type Relay } from '../fixtures/relay.js'
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
 * Counts the warnings and errors of a run by receiver, message and cause.
 * They tell a duplicate sent after a claim expired from a timed-out send.
 */
function summarizeProblems (logs: Array<Record<string, unknown>>): string[] {
  const counts = new Map<string, number>()
  for (const line of logs) {
    if (typeof line.level !== 'number' || line.level < 40) continue
    const err = line.err as { message?: unknown } | undefined
    const cause = typeof err?.message === 'string' ? `: ${err.message.slice(0, 120)}` : ''
    const key = `${String(line.receiver ?? line.stage ?? line.component ?? '-')} ${String(line.msg)}${cause}`
    counts.set(key, (counts.get(key) ?? 0) + 1)
  }
  return [...counts].sort(([, a], [, b]) => b - a).slice(0, 15).map(([key, count]) => `${count} x ${key}`)
}

/**
 * Streams `total` notifications through the relay from eight senders and
 * closes every broker connection of the relay twice on the way. Every
 * notification must reach each receiver exactly once, also when counted
 * `lateDuplicateMs` after the last close.
 */
async function streamThroughClosedConnections (
  t: Test,
  relay: Relay,
  logs: Array<Record<string, unknown>>,
  lateDuplicateMs = 0
): Promise<void> {
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
  let exact = true
  for (const [receiver, copies] of Object.entries(copiesPerReceiver)) {
    const counts = countCopies(runId, texts[receiver as keyof typeof copiesPerReceiver])
    t.equal(counts.size, total, `${receiver} got every notification`)
    const duplicated = [...counts].filter(([, count]) => count !== copies).map(([index]) => index)
    exact &&= t.same(duplicated, [], `${receiver} got each notification exactly ${copies} time(s)`)
  }
  if (!exact) t.comment(`warnings and errors:\n${summarizeProblems(logs).join('\n')}`)
}

test('connections closed mid-stream', async (t) => {
  const logs: Array<Record<string, unknown>> = []
  const relay = await startRelay({ label: 'conn-loss', logs })
  t.teardown(relay.close)
  await streamThroughClosedConnections(t, relay, logs)
})

/**
 * DELIVERY_TIMEOUT_MS of the test with two consumers. A send that times
 * out after its peer took the message is sent again on the retry, so the
 * limit leaves room for a loaded machine. It also sets how long a claim
 * lasts, and so how long the test waits for a late duplicate.
 */
const deliveryTimeoutMs = 10_000
/** How long a claim of that test lasts: the attempt's limit, 1 s of grace, and 15 s for its record. */
const claimLeaseMs = deliveryTimeoutMs + 1000 + 15_000

test('connections closed under two consumers', async (t) => {
  const logs: Array<Record<string, unknown>> = []
  const relay = await startRelay({ label: 'conn-loss-two', env: { DELIVERY_TIMEOUT_MS: String(deliveryTimeoutMs) }, logs })
  t.teardown(relay.close)
  // Sends that finish after their connection was lost, whose records
  // must reach the stream once the consumer reconnects.
  relay.slack.latencyMs = 600
  // A redelivery can reach the other process, which did not see the
  // first attempt, and a notification can be routed by both.
  const second = await startConsumer({ env: relay.env, logger: collectingLogger(logs) })
  t.teardown(second.close)
  await waitUntil(() => second.consumer.ready, 15_000, 'the second consumer')
  await streamThroughClosedConnections(t, relay, logs, claimLeaseMs + 2000)
})
