import { test } from 'tap'
import { renderOrReject } from '../../backends/render.js'

test('renderer result is returned', async (t) => {
  t.equal(renderOrReject('SMS', () => 'body'), 'body')
})

test('renderer failure is permanent', async (t) => {
  t.throws(() => renderOrReject('SMS', () => { throw new Error('bad template') }), {
    code: 'RELAY_DELIVERY_FAILED',
    retryable: false,
    message: 'Rendering the SMS message failed: bad template'
  })
  // eslint-disable-next-line no-throw-literal
  t.throws(() => renderOrReject('SMS', () => { throw 'text' }), {
    message: 'Rendering the SMS message failed: text'
  })
})
