import { createHmac } from 'node:crypto'
import { test } from 'tap'
import { parseSecrets, sign, verifySignature } from '../src/signature.js'
import { readFixture, signedVectors } from './fixtures/sqreen.js'

const vectors = signedVectors()

const [first] = vectors
if (first === undefined) throw new Error('signed-vectors.json has no vectors')
const body = readFixture(first.file)

test('every signed vector verifies', async (t) => {
  t.ok(vectors.length > 0)
  for (const vector of vectors) {
    const vectorBody = readFixture(vector.file)
    t.equal(sign(vectorBody, vector.secret), vector.signature, `sign ${vector.file}`)
    t.equal(
      verifySignature(vectorBody, vector.signature, [vector.secret]),
      'ok',
      `verify ${vector.file}`
    )
  }
})

test('upper-case signature verifies', async (t) => {
  const header = first.signature.toUpperCase()
  t.equal(verifySignature(body, header, [first.secret]), 'ok')
})

test('one changed body byte is a mismatch', async (t) => {
  const changed = Buffer.from(body)
  const last = changed.length - 1
  changed.writeUInt8(changed.readUInt8(last) ^ 0x01, last)
  t.equal(verifySignature(changed, first.signature, [first.secret]), 'mismatch')
})

test('appended body byte is a mismatch', async (t) => {
  const longer = Buffer.concat([body, Buffer.from('\n')])
  t.equal(verifySignature(longer, first.signature, [first.secret]), 'mismatch')
})

test('absent header is missing', async (t) => {
  t.equal(verifySignature(body, undefined, [first.secret]), 'missing')
})

test('empty header is missing', async (t) => {
  t.equal(verifySignature(body, '', [first.secret]), 'missing')
})

test('header of the wrong length is malformed', async (t) => {
  const cases = {
    truncated: first.signature.slice(0, 63),
    'one digit longer': `${first.signature}0`,
    'SHA-1 length': first.signature.slice(0, 40),
    'with sha256= prefix': `sha256=${first.signature}`,
    'with trailing space': `${first.signature} `
  }
  for (const [name, header] of Object.entries(cases)) {
    t.equal(verifySignature(body, header, [first.secret]), 'malformed', name)
  }
})

test('non-hex header is malformed', async (t) => {
  const header = `g${first.signature.slice(1)}`
  t.equal(header.length, 64)
  t.equal(verifySignature(body, header, [first.secret]), 'malformed')
})

test('another secret is a mismatch', async (t) => {
  t.equal(verifySignature(body, first.signature, ['another-secret']), 'mismatch')
})

test('no secrets is a mismatch', async (t) => {
  t.equal(verifySignature(body, first.signature, []), 'mismatch')
})

test('rotation list accepts the second secret', async (t) => {
  const secrets = ['new-secret', first.secret]
  t.equal(verifySignature(body, first.signature, secrets), 'ok')
})

test('rotation list accepts the first secret', async (t) => {
  const secrets = [first.secret, 'old-secret']
  t.equal(verifySignature(body, first.signature, secrets), 'ok')
})

test('empty secret never verifies', async (t) => {
  const header = sign(body, '')
  t.equal(verifySignature(body, header, ['']), 'mismatch')
})

test('hex-looking secret is keyed as UTF-8', async (t) => {
  const vector = vectors.find((item) => /^[0-9a-f]{64}$/.test(item.secret))
  if (vector === undefined) return t.fail('no vector has a hex-looking secret')
  const vectorBody = readFixture(vector.file)
  const hexKeyed = createHmac('sha256', Buffer.from(vector.secret, 'hex'))
    .update(vectorBody)
    .digest('hex')
  t.not(hexKeyed, vector.signature)
  t.equal(verifySignature(vectorBody, vector.signature, [vector.secret]), 'ok')
})

test('parseSecrets splits, trims and drops empties', async (t) => {
  t.same(parseSecrets(' new , old ,, '), ['new', 'old'])
  t.same(parseSecrets('only'), ['only'])
  t.same(parseSecrets(''), [])
  t.same(parseSecrets(undefined), [])
})
