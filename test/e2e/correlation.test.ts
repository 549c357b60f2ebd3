import { test } from 'tap'
import { runCli } from '../../src/cli.js'
import { faultItems, newRunId } from '../fixtures/faults.js'
import { captureCli } from '../fixtures/cli.js'
import { postSigned, startRelay } from '../fixtures/relay.js'
import { secret, waitUntil } from '../fixtures/server.js'

test('request id follows the alert', async (t) => {
  const logs: Array<Record<string, unknown>> = []
  const relay = await startRelay({ label: 'correlation', logs })
  t.teardown(relay.close)
  relay.twilio.respondWith({ status: 400, code: 21211, message: 'Invalid To number' })
  const requestId = 'corr-0001'
  const response = await postSigned(relay, JSON.stringify(faultItems(newRunId(), 0, 1)), { 'x-request-id': requestId })
  t.equal(response.status, 200)
  t.equal(response.headers.get('x-request-id'), requestId)

  await waitUntil(() => logs.some((line) => line.msg === 'delivery failed, moved to dead letters'), 10_000, 'the dead letter')
  await waitUntil(() => logs.filter((line) => line.msg === 'delivered').length >= 3, 10_000, 'three deliveries')
  const delivered = logs.filter((line) => line.msg === 'delivered')
  t.same(delivered.map((line) => line.receiver).sort(), ['email', 'log', 'slack'])
  for (const line of delivered) t.equal(line.requestId, requestId, `${String(line.receiver)} line has the request id`)
  const parked = logs.find((line) => line.msg === 'delivery failed, moved to dead letters')
  t.equal(parked?.requestId, requestId)
  t.equal(parked?.receiver, 'sms')
  const served = logs.find((line) => line.msg === 'request completed' && line.accepted === 1)
  t.equal(served?.requestId, requestId, 'the server line has it')
  t.equal(served?.statusCode, 200)

  const io = captureCli(relay.env)
  const output = io.output
  t.equal(await runCli(['dead-letters', 'list', '--json'], io), 0)
  t.equal((JSON.parse(output.join('')) as { requestId: string }).requestId, requestId, 'the dead letter has it')

  const text = JSON.stringify(logs)
  t.notOk(text.includes(secret), 'no log line has the webhook secret')
  t.notOk(text.includes(relay.twilio.authToken), 'no log line has the Twilio token')
  t.notOk(text.includes(relay.slack.secretPath), 'no log line has the Slack URL path')
  t.notOk(text.includes(relay.smtp.password), 'no log line has the SMTP password')
})
