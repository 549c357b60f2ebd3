import { join } from 'node:path'
import { test } from 'tap'
import { findEncodingProblem, readFileWithin } from '../../src/routing/text-file.js'

test('readFileWithin stops past the limit', async (t) => {
  const dir = t.testdir({ empty: '', four: 'abcd', five: 'abcde' })
  t.same(readFileWithin(join(dir, 'empty'), 4), Buffer.alloc(0), 'empty file')
  t.same(readFileWithin(join(dir, 'four'), 4), Buffer.from('abcd'), 'file at the limit')
  t.equal(readFileWithin(join(dir, 'five'), 4), null, 'file past the limit')
  t.equal(readFileWithin('/dev/zero', 4), null, 'endless file')
  t.throws(() => readFileWithin(join(dir, 'missing'), 4), { code: 'ENOENT' }, 'missing file')
  t.throws(() => readFileWithin(dir, 4), { code: 'EISDIR' }, 'directory')
})

const encodingCases: Array<{ name: string, bytes: Buffer, expected: ReturnType<typeof findEncodingProblem> }> = [
  { name: 'ASCII', bytes: Buffer.from('a: 1\n'), expected: null },
  { name: 'UTF-8 with a byte order mark', bytes: Buffer.from('\ufeffé: 😀\n'), expected: null },
  { name: 'literal U+FFFD', bytes: Buffer.from('\ufffd\ufffd'), expected: null },
  {
    name: 'lone continuation byte',
    bytes: Buffer.from([0x61, 0x0a, 0x62, 0x80]),
    expected: { problem: 'is not valid UTF-8', position: { line: 2, column: 2 } }
  },
  {
    name: 'encoded surrogate',
    bytes: Buffer.concat([Buffer.from('😀 \ufffd '), Buffer.from([0xed, 0xa0, 0x80])]),
    expected: { problem: 'is not valid UTF-8', position: { line: 1, column: 6 } }
  },
  {
    name: 'byte order mark before the invalid byte',
    bytes: Buffer.from([0xef, 0xbb, 0xbf, 0xff]),
    expected: { problem: 'is not valid UTF-8', position: { line: 1, column: 1 } }
  },
  {
    name: 'NUL byte',
    bytes: Buffer.from('a\nbc\0'),
    expected: { problem: 'contains a NUL byte, as UTF-16 text does', position: { line: 2, column: 3 } }
  }
]

test('findEncodingProblem locates the first bad byte', async (t) => {
  for (const { name, bytes, expected } of encodingCases) {
    t.same(findEncodingProblem(bytes), expected, name)
  }
})
