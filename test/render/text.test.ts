import { test } from 'tap'
import {
  cleanLines, cleanText, escapeHtml, escapeInvisible, escapeSlack, httpUrl, maxUrlLength, truncate, truncateSlack
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
    ['hangul\u3164fillers\u115f\u1160\uffa0 here', 'hangulfillers here'],
    ['joiner\u034f soft\u00adhyphen', 'joiner softhyphen'],
    ['braille\u2800blank\u{1d159}note', 'brailleblanknote'],
    ['ideographic\u3000space', 'ideographic space'],
    ['mongolian\u180eseparator khmer\u17b4vowel', 'mongolianseparator khmervowel'],
    ['selectors a\ufe0f\ufe00b\u{e0100}c', 'selectors abc'],
    ['emoji \u2764\ufe0f \u2764\ufe0e #\ufe0f\u20e3', 'emoji \u2764\ufe0f \u2764\ufe0e #\ufe0f\u20e3'],
    ['repeated \u2764\ufe0f\ufe0f\ufe0f', 'repeated \u2764\ufe0f'],
    ['family \u{1f468}\u200d\u{1f469}\u200d\u{1f467}', 'family \u{1f468}\u{1f469}\u{1f467}'],
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

test('truncateSlack measures the escaped text', async (t) => {
  t.equal(truncateSlack('a&lt;b', 10), 'a&lt;b')
  t.equal(truncateSlack(escapeSlack('<<<<<<'), 10), '&lt;&lt;…')
  t.equal(truncateSlack('😀😀😀😀', 5), '😀😀…', 'counts UTF-16 code units')
  t.equal(truncateSlack('word     rest', 8), 'word…', 'trailing space dropped')
  t.equal(truncateSlack('AT&T rocks', 5), 'AT&T…', 'a bare & is one character')
})

test('truncateSlack never splits an entity or a pair', async (t) => {
  const texts = [escapeSlack('&&&&&&'), escapeSlack('<a>&<b>'), escapeSlack('😀&😀<😀>')]
  for (const text of texts) {
    for (let max = 1; max <= text.length; max++) {
      const cut = truncateSlack(text, max)
      const name = `${text} at ${max}`
      t.ok(cut.length <= max, `${name}: within max`)
      t.notMatch(cut, /&(?:a|am|amp|l|lt|g|gt)?…$/, `${name}: no broken entity`)
      t.notMatch(cut, /\p{Cs}/u, `${name}: no lone surrogate`)
    }
  }
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
  t.equal(escapeInvisible('a\u3164b\u115fc\u1160d\uffa0e\u034ff\u2800g'),
    'a\\u3164b\\u115fc\\u1160d\\uffa0e\\u034ff\\u2800g', 'fillers and blanks shown')
  t.equal(escapeInvisible('tag\u{e0041} note\u{1d159}'), 'tag\\u{e0041} note\\u{1d159}', 'code points above U+FFFF')
  t.equal(escapeInvisible('\u2764\ufe0f a\ufe0f'), '\u2764\ufe0f a\\ufe0f', 'selector kept after an emoji only')
})
