import { test } from 'tap'
import { createBackend } from '../../backends/registry.js'
import type { ReceiverSpec } from '../../src/routing/types.js'
import { captureLog } from '../fixtures/log-capture.js'
import { makeDelivery, samples } from '../fixtures/notifications.js'

const specs: ReceiverSpec[] = [
  { type: 'log', name: 'audit' },
  { type: 'slack', name: 'team', webhookUrl: 'https://hooks.slack.com/services/T0/B0/secret' },
  {
    type: 'email',
    name: 'oncall',
    smtpUrl: 'smtp://u:p@127.0.0.1:1',
    from: 'a@x.example',
    to: ['b@x.example']
  },
  {
    type: 'sms',
    name: 'pager',
    accountSid: 'AC1',
    authToken: 'token',
    from: '+15005550001',
    to: ['+15005550006'],
    apiUrl: 'http://127.0.0.1:1'
  }
]

test('each type maps to its backend', async (t) => {
  for (const spec of specs) {
    const backend = createBackend(spec, captureLog().logger)
    t.equal(backend.name, spec.type)
    await backend.close?.()
  }
})

test('child logger names receiver and backend', async (t) => {
  const log = captureLog()
  await createBackend({ type: 'log', name: 'audit' }, log.logger).send(makeDelivery(samples.pulse))
  t.match(log.lines()[0], { receiver: 'audit', backend: 'log' })
})

test('type without backend is a config error', async (t) => {
  const spec = { type: 'pager', name: 'old' } as unknown as ReceiverSpec
  t.throws(() => createBackend(spec, captureLog().logger), {
    code: 'RELAY_CONFIG_INVALID',
    message: /^Receiver "old" has type "pager", which has no backend: use one of .*email, log/
  })
})
