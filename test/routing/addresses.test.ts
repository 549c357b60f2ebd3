import { test } from 'tap'
import { emailAddressProblem, phoneNumberProblem } from '../../src/routing/addresses.js'

test('e-mail address forms accepted', async (t) => {
  const accepted = [
    'alerts@example.com',
    ' alerts@example.com ',
    'Relay <alerts@example.com>',
    'Relay Team <alerts@example.com>',
    '"Ops, Team" <ops@example.com>',
    '"ops@example.com" <ops@example.com>'
  ]
  for (const value of accepted) t.equal(emailAddressProblem(value), null, JSON.stringify(value))
})

test('several addresses in one are rejected', async (t) => {
  const several = [
    'b@example.com z@evil.example',
    '<b@example.com> <z@evil.example>',
    'b@example.com (z@evil.example)',
    'a@example.com, b@example.com',
    'a@example.com <b@example.com>',
    'a@example.com\nBcc: z@evil.example'
  ]
  for (const value of several) {
    t.equal(emailAddressProblem(value), 'must be one e-mail address, and a list separates addresses with commas', JSON.stringify(value))
  }
})

test('malformed addresses are rejected', async (t) => {
  const malformed = ['', 'relay', 'x@', '@y', '<>', 'relay@example.com>', 'a b@example.com', '"a"\n<c@example.com>']
  for (const value of malformed) {
    t.equal(emailAddressProblem(value), 'must be an e-mail address such as alerts@example.com', JSON.stringify(value))
  }
})

test('phone numbers are E.164', async (t) => {
  t.equal(phoneNumberProblem('+33612345678'), null)
  for (const value of ['0612345678', '+0612345678', '+33 6 12 34 56 78', '+1234567890123456']) {
    t.equal(phoneNumberProblem(value), 'must be an E.164 number such as +33612345678', value)
  }
})
