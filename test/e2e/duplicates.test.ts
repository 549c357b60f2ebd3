import { setTimeout as delay } from 'node:timers/promises'
import { test, type Test } from 'tap'
import { startConsumer } from '../../src/consumer.js'
import { countCopies, faultItems, newRunId, receivedTexts } from '../fixtures/faults.js'
import { postSigned, smsNumbers, startRelay, type Relay } from '../fixtures/relay.js'
import { waitUntil } from '../fixtures/server.js'

/** Returns the notifications as Sqreen resends them, with a new retry_count and date_created. */
function resend (items: object[]): object[] {
  return items.map((item) => ({ ...item, retry_count: 1, date_created: new Date().toISOString() }))
}

function assertOnce (t: Test, relay: Relay, runId: string, count: number): void {
  const texts = receivedTexts(relay)
  for (const [receiver, copies] of [['slack', 1], ['email', 1], ['sms', smsNumbers.length]] as const) {
    const counts = countCopies(runId, texts[receiver])
    t.equal(counts.size, count, `${receiver} got every notification`)
    t.ok([...counts.values()].every((value) => value === copies), `${receiver} got no duplicate`)
  }
}

async function waitDelivered (relay: Relay, runId: string, count: number): Promise<void> {
  await waitUntil(() => countCopies(runId, receivedTexts(relay).sms).size === count &&
    countCopies(runId, receivedTexts(relay).slack).size === count &&
    countCopies(runId, receivedTexts(relay).email).size === count, 20_000, 'every delivery')
}

test('same batch posted twice', async (t) => {
  const relay = await startRelay({ label: 'dup-batch' })
  t.teardown(relay.close)
  const runId = newRunId()
  const items = faultItems(runId, 0, 5).map((item) => ({ ...item, retry_count: 0 }))
  const body = JSON.stringify(items)
  t.equal((await postSigned(relay, body)).status, 200)
  t.equal((await postSigned(relay, body)).status, 200, 'the exact same bytes again')
  t.equal((await postSigned(relay, JSON.stringify(resend(items)))).status, 200, 'a resend')
  await waitDelivered(relay, runId, 5)
  await delay(1000)
  assertOnce(t, relay, runId, 5)
})

test('two consumers share duplicate records', async (t) => {
  const relay = await startRelay({ label: 'dup-two' })
  t.teardown(relay.close)
  const second = await startConsumer({ env: relay.env })
  t.teardown(second.close)
  await waitUntil(() => second.consumer.ready, 15_000, 'the second consumer')

  const runId = newRunId()
  const items = faultItems(runId, 0, 5)
  t.equal((await postSigned(relay, JSON.stringify(items))).status, 200)
  await waitDelivered(relay, runId, 5)

  // The first consumer is the route queue's active consumer, so stopping it
  // hands the queue over.
  await relay.stopConsumer()
  t.equal((await postSigned(relay, JSON.stringify(resend(items)))).status, 200)
  const fresh = faultItems(runId, 5, 2)
  t.equal((await postSigned(relay, JSON.stringify(fresh))).status, 200)
  await waitDelivered(relay, runId, 7)
  await delay(1000)
  assertOnce(t, relay, runId, 7)
})

test('dedup window of zero delivers resends', async (t) => {
  const relay = await startRelay({ label: 'dup-off', env: { DEDUP_WINDOW_SECONDS: '0' } })
  t.teardown(relay.close)
  const runId = newRunId()
  const body = JSON.stringify(faultItems(runId, 0, 1))
  t.equal((await postSigned(relay, body)).status, 200)
  t.equal((await postSigned(relay, body)).status, 200)
  await waitUntil(() => countCopies(runId, receivedTexts(relay).slack).get(0) === 2, 10_000, 'both copies')
  t.pass('both copies delivered')
})
