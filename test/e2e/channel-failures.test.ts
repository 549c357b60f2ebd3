import { test } from 'tap'
import { runCli } from '../../src/cli.js'
import { topologyNames } from '../../src/broker/topology.js'
import { queueDepth, waitForDepth } from '../fixtures/broker.js'
import { captureCli } from '../fixtures/cli.js'
import { countCopies, faultItems, newRunId, receivedTexts } from '../fixtures/faults.js'
import { postSigned, smsNumbers, startRelay } from '../fixtures/relay.js'
import { waitUntil } from '../fixtures/server.js'

test('slack 500 twice then 200', async (t) => {
  const relay = await startRelay({ label: 'slack-500', env: { RETRY_BASE_DELAY_MS: '1000', RETRY_TIERS_MS: '1000,3000' } })
  t.teardown(relay.close)
  relay.slack.respondWith({ status: 500, body: 'internal_error' }, { status: 500, body: 'internal_error' })
  const runId = newRunId()
  t.equal((await postSigned(relay, JSON.stringify(faultItems(runId, 0, 1)))).status, 200)

  await relay.smtp.waitFor(1, 10_000)
  await relay.twilio.waitFor(smsNumbers.length, 10_000)
  t.ok(relay.slack.received.length < 3, 'e-mail and SMS arrive while Slack is still failing')

  await relay.slack.waitFor(3, 20_000)
  await waitUntil(() => relay.consumer?.consumer.ready === true)
  const texts = receivedTexts(relay)
  t.equal(texts.slack.length, 3, 'Slack saw two failed attempts and one success')
  t.equal(countCopies(runId, texts.email).get(0), 1, 'e-mail got it once')
  t.equal(countCopies(runId, texts.sms).get(0), smsNumbers.length, 'each number got one SMS')
  t.equal(await queueDepth(topologyNames(relay.prefix).deadLetters), 0, 'nothing parked')
})

test('partly sent SMS resumes after restart', async (t) => {
  const relay = await startRelay({ label: 'sms-partial', env: { RETRY_BASE_DELAY_MS: '1000', RETRY_TIERS_MS: '1000' } })
  t.teardown(relay.close)
  relay.twilio.respondWith({ status: 201 }, { status: 503, message: 'Service Unavailable' })
  const runId = newRunId()
  t.equal((await postSigned(relay, JSON.stringify(faultItems(runId, 0, 1)))).status, 200)
  await relay.twilio.waitFor(2, 10_000)
  // The consumer that reached the first number stops; another one takes
  // the retry, knowing only what the retried message carries.
  await relay.stopConsumer()
  await relay.startConsumer()
  await relay.twilio.waitFor(3, 15_000)
  await waitUntil(() => relay.consumer?.consumer.ready === true)
  t.same(relay.twilio.received.map((request) => [request.to, request.status]), [
    [smsNumbers[0], 201],
    [smsNumbers[1], 503],
    [smsNumbers[1], 201]
  ], 'the first number got one SMS, the second one after its retry')
  t.equal(countCopies(runId, receivedTexts(relay).sms).get(0), smsNumbers.length, 'one SMS per number')
  t.equal(await queueDepth(topologyNames(relay.prefix).deadLetters), 0, 'nothing parked')
})

test('slack 429 honours retry-after', async (t) => {
  const relay = await startRelay({ label: 'slack-429', env: { RETRY_BASE_DELAY_MS: '100', RETRY_TIERS_MS: '100,500,3000' } })
  t.teardown(relay.close)
  relay.slack.respondWith({ status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } })
  const runId = newRunId()
  t.equal((await postSigned(relay, JSON.stringify(faultItems(runId, 0, 1)))).status, 200)
  await relay.slack.waitFor(2, 15_000)
  const [first, second] = relay.slack.times as [number, number]
  t.ok(second - first >= 2000, `the retry came ${second - first} ms after the 429`)
})

test('twilio 400 parks the delivery, replay delivers it', async (t) => {
  const relay = await startRelay({ label: 'twilio-400' })
  t.teardown(relay.close)
  relay.twilio.respondWith({ status: 400, code: 21211, message: "The 'To' number +15005550001 is not a valid phone number." })
  const runId = newRunId()
  t.equal((await postSigned(relay, JSON.stringify(faultItems(runId, 0, 1)))).status, 200)
  const deadLetters = topologyNames(relay.prefix).deadLetters
  await waitUntil(() => relay.twilio.received.length >= 1, 10_000, 'the Twilio request')
  const depth = async (): Promise<number> => await queueDepth(deadLetters)
  await waitForDepth(deadLetters, 1)
  t.equal(await depth(), 1, 'the SMS delivery is parked')
  t.equal(relay.twilio.received.length, smsNumbers.length, 'one request per number and no retry')
  await relay.slack.waitFor(1, 10_000)
  await relay.smtp.waitFor(1, 10_000)

  const io = captureCli(relay.env)
  const output = io.output
  t.equal(await runCli(['dead-letters', 'list'], io), 0)
  const listing = output.join('')
  t.match(listing, /sms/)
  t.match(listing, /permanent/)
  t.match(listing, /400/)
  t.match(listing, /21211/)
  t.match(listing, /1 message\(s\) listed/)
  t.match(listing, `done=${smsNumbers[1] ?? ''}`, 'the number reached before the 400')
  t.equal(await depth(), 1, 'list leaves the message parked')

  output.length = 0
  t.equal(await runCli(['dead-letters', 'replay', '--receiver', 'slack'], io), 0)
  t.match(output.join(''), /0 message\(s\) replayed/, 'the filter skips other receivers')
  t.notMatch(output.join(''), /warning/, 'slack is a configured receiver')

  output.length = 0
  t.equal(await runCli(['dead-letters', 'list', '--receiver', 'smss'], io), 0)
  t.match(output.join(''), /warning: no receiver is named "smss"; the receivers are log, slack, email, sms/)

  output.length = 0
  t.equal(await runCli(['dead-letters', 'replay', '--receiver', 'sms'], io), 0)
  t.match(output.join(''), /1 message\(s\) replayed/)
  await waitUntil(() => countCopies(runId, receivedTexts(relay).sms).get(0) === smsNumbers.length, 10_000, 'the replayed SMS')
  t.equal(await depth(), 0, 'the queue is empty after replay')
  t.equal(countCopies(runId, receivedTexts(relay).slack).get(0), 1, 'Slack was not sent again')
})

test('dead letters purge needs a filter', async (t) => {
  const relay = await startRelay({ label: 'purge' })
  t.teardown(relay.close)
  const io = captureCli(relay.env)
  const output = io.output
  t.equal(await runCli(['dead-letters', 'purge'], io), 1)
  t.match(output.join(''), /--receiver NAME, or --all/)
  output.length = 0
  t.equal(await runCli(['dead-letters', 'purge', '--all', '--json'], io), 0)
  t.equal(output.join(''), '', 'nothing to purge prints nothing in JSON mode')
  output.length = 0
  const unknown = { ...io, env: { ...relay.env, AMQP_PREFIX: 'no-such-prefix' } }
  t.equal(await runCli(['dead-letters', 'list'], unknown), 1)
  t.match(output.join(''), /queue "no-such-prefix.dead-letters" not found/)
})

test('slack timeout follows DELIVERY_TIMEOUT_MS', async (t) => {
  const relay = await startRelay({
    label: 'slack-timeout',
    env: { DELIVERY_TIMEOUT_MS: '500', RETRY_BASE_DELAY_MS: '100', RETRY_TIERS_MS: '100,1000' }
  })
  t.teardown(relay.close)
  relay.slack.respondWith({ hang: true })
  const runId = newRunId()
  t.equal((await postSigned(relay, JSON.stringify(faultItems(runId, 0, 1)))).status, 200)
  await relay.slack.waitFor(2, 5000)
  const [first, second] = relay.slack.times as [number, number]
  t.ok(second - first >= 500, `the retry came ${second - first} ms after the hung request`)
  t.ok(second - first < 4000, 'well before the 10 s default')
})
