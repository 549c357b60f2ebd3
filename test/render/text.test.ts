import { test } from 'tap'
import {
  cleanLines, cleanText, escapeHtml, escapeInvisible, escapeSlack, httpUrl, maxUrlLength, truncate, truncateEscaped
} from '../../src/render/text.js'

test('cleanText removes invisible characters', async (t) => {
  const cases: Array<[unknown, string]> = [
    ['a\u0000b\u001bc\u007fd\u0085e\u009bf', 'abcdef'],
    ['left\u202eright\u202c \u2066iso\u2069', 'leftright iso'],
    ['zero\u200bwidth\u200d\ufeff', 'zerowidth'],
    ['tag\u{E0041}\u{E0042}s', 'tags'],
    ['line\r\nbreak\u2028and\u2029more\ttab', 'line break and more tab'],
    ['  many    spaces \u0000 here ', 'many spaces here'],
    ['high\ud800 low\udc00 end\ud83d', 'high\ufffd low\ufffd end\ufffd'],
    ['reversed \udc00\ud800 pair \ud83d\ude00', 'reversed \ufffd\ufffd pair 😀'],
    [null, ''],
    [undefined, ''],
    [42, '42']
  ]
  for (const [index, [input, expected]] of cases.entries()) {
    t.equal(cleanText(input), expected, `case ${index}: ${expected}`)
  }
})

test('cleanLines keeps line feeds only', async (t) => {
  t.equal(cleanLines('one\u0000\r\n two  \u202e\n\nthree\n'), 'one\ntwo\n\nthree')
  t.equal(cleanLines('one\ud800\ntwo\udc00'), 'one\ufffd\ntwo\ufffd', 'lone surrogates replaced')
})

test('truncate counts code points', async (t) => {
  t.equal(truncate('short', 10), 'short')
  t.equal(truncate('abcdefghij', 5), 'abcd…')
  t.equal(truncate('😀😀😀😀', 3), '😀😀…', 'no surrogate split')
  t.equal(truncate('abcdefghij', 6, '...'), 'abc...')
  t.equal(truncate('word     rest', 8), 'word…', 'trailing space dropped')
})

test('truncateEscaped measures the escaped text', async (t) => {
  t.equal(truncateEscaped('a<b', 10, escapeSlack), 'a&lt;b')
  const cut = truncateEscaped('<<<<<<', 10, escapeSlack)
  t.equal(cut, '&lt;&lt;…')
  t.ok(cut.length <= 10)
  t.notMatch(truncateEscaped('&&&&', 7, escapeHtml), /&a?m?p?…$/, 'no broken entity')
})

test('escapeSlack escapes only & < >', async (t) => {
  t.equal(escapeSlack('<!here> & <@U1> *b* "q"'), '&lt;!here&gt; &amp; &lt;@U1&gt; *b* "q"')
})

test('escapeHtml escapes attribute characters too', async (t) => {
  t.equal(escapeHtml(`<a href="x" onclick='y'>&</a>`),
    '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;')
})

test('httpUrl accepts only absolute http(s)', async (t) => {
  t.equal(httpUrl('https://x.example/a b'), 'https://x.example/a%20b')
  t.equal(httpUrl('http://x.example'), 'http://x.example/')
  t.equal(httpUrl('javascript:alert(1)'), null)
  t.equal(httpUrl('/relative'), null)
  t.equal(httpUrl(null), null)
})

test('httpUrl drops overlong links', async (t) => {
  const base = 'https://my.sqreen.com/'
  const longest = base + 'a'.repeat(maxUrlLength - base.length)
  t.equal(httpUrl(longest), longest)
  t.equal(httpUrl(`${longest}a`), null)
})

test('escapeInvisible shows control and format characters', async (t) => {
  t.equal(escapeInvisible('a\u001b[2Jb\u0007c\u202ed\u200be'), 'a\\u001b[2Jb\\u0007c\\u202ed\\u200be')
  t.equal(escapeInvisible('line\n\tindented'), 'line\n\tindented', 'line breaks and tabs stay')
  t.equal(escapeInvisible('été 🚨'), 'été 🚨', 'visible text stays')
  t.equal(escapeInvisible('a\ud800b\udc00c'), 'a\\ud800b\\udc00c', 'lone surrogates shown')
})
