import { test, type Test } from 'tap'
import { SegmentedMessage } from 'sms-segments-calculator'
import { fitsOneSegment, renderSms, toGsm } from '../../src/render/sms.js'
import { normalize } from '../../src/notifications/normalize.js'
import { fixtureItems, listFixtures } from '../fixtures/sqreen.js'
import {
  hostile, hostileText, invisibleCharacters, loneSurrogate, samples, withBlankCharacters, withLoneSurrogates
} from '../fixtures/notifications.js'

function assertOneGsmSegment (t: Test, text: string, name: string): void {
  const message = new SegmentedMessage(text)
  t.equal(message.encodingName, 'GSM-7', `${name}: GSM-7`)
  t.equal(message.segmentsCount, 1, `${name}: one segment`)
}

for (const [name, notification] of Object.entries(samples)) {
  test(`sms of ${name}`, async (t) => {
    const text = renderSms(notification)
    assertOneGsmSegment(t, text, name)
    t.matchSnapshot(text)
  })
}

test('every fixture fits one GSM-7 segment', async (t) => {
  for (const name of listFixtures()) {
    for (const item of fixtureItems(name)) assertOneGsmSegment(t, renderSms(normalize(item)), name)
  }
})

test('hostile text arrives inert', async (t) => {
  const text = renderSms(hostile)
  assertOneGsmSegment(t, text, 'hostile')
  t.notMatch(text, invisibleCharacters)
  t.notOk(text.includes('\u202e'))
  t.notOk(text.includes('\r'))
  t.ok(text.startsWith('Sqreen: Security event: auth tor tentative\n'))
})

test('lone surrogates become ?', async (t) => {
  const templates = { 'built-in': undefined, template: { text: '{{description}}' } }
  for (const [name, template] of Object.entries(templates)) {
    const text = renderSms(withLoneSurrogates, template)
    assertOneGsmSegment(t, text, name)
    t.notMatch(text, loneSurrogate, `${name}: no lone surrogate`)
    t.ok(text.includes('high ?, low ?, reversed ??, pair ?'), `${name}: each one shown as ?`)
  }
})

test('blank and ignorable characters are removed', async (t) => {
  const templates = { 'built-in': undefined, template: { text: '{{description}}' } }
  for (const [name, template] of Object.entries(templates)) {
    const text = renderSms(withBlankCharacters, template)
    assertOneGsmSegment(t, text, name)
    t.notMatch(text, invisibleCharacters, `${name}: none left`)
    t.ok(text.includes('abcdefghij ?'), `${name}: letters joined, emoji shown as ?`)
  }
})

test('link is kept when there is room', async (t) => {
  const n = normalize({
    sqreen_payload_type: 'pulse',
    humanized_title: 'Pulse',
    url: 'https://my.sqreen.com/p/1'
  })
  t.equal(renderSms(n), 'Sqreen: Pulse\nhttps://my.sqreen.com/p/1')
})

test('link is left out, never cut', async (t) => {
  const text = renderSms(samples.securityEventV1)
  t.notOk(text.includes('https://'), 'long link left out')
  t.ok(text.includes('Connection to jeff45@harrell.com'), 'description kept')
})

test('long parts are shortened with an ellipsis', async (t) => {
  const n = normalize({
    sqreen_payload_type: 'security_event',
    event_kind: 'waf',
    application_name: 'shop',
    humanized_description: 'word '.repeat(100)
  })
  const text = renderSms(n)
  assertOneGsmSegment(t, text, 'long description')
  t.match(text, /^Sqreen: Security event: WAF\nshop\nword word .*\.\.\.$/)
  t.ok(text.length > 150, 'segment used up')
})

test('part too short to keep is left out', async (t) => {
  const n = normalize({
    sqreen_payload_type: 'pulse',
    humanized_title: 'T'.repeat(140),
    humanized_description: 'a description'
  })
  t.equal(renderSms(n), `Sqreen: ${'T'.repeat(140)}`)
})

test('title alone longer than a segment is shortened', async (t) => {
  const n = normalize({ sqreen_payload_type: 'pulse', humanized_title: 'T'.repeat(400) })
  const text = renderSms(n)
  assertOneGsmSegment(t, text, 'long title')
  t.ok(text.endsWith('...'))
})

test('extension characters count twice', async (t) => {
  const n = normalize({ sqreen_payload_type: 'pulse', humanized_title: '{'.repeat(120) })
  assertOneGsmSegment(t, renderSms(n), 'braces')
})

test('characters outside GSM-7 are replaced', async (t) => {
  t.equal(toGsm('“quoted” — ok…'), '"quoted" - ok...', 'smart encoding')
  t.equal(toGsm('Ça marche, garçon'), 'Ça marche, garcon', 'accents folded')
  t.equal(toGsm('shop 😀 Москва'), 'shop ? ??????', 'no GSM equivalent')
  t.equal(toGsm('é ü ñ'), 'é ü ñ', 'GSM-7 letters kept')
  const n = normalize({ sqreen_payload_type: 'pulse', humanized_title: 'Attack on 😀 shop' })
  assertOneGsmSegment(t, renderSms(n), 'emoji')
})

test('fitsOneSegment counts septets', async (t) => {
  t.ok(fitsOneSegment('a'.repeat(160)))
  t.notOk(fitsOneSegment('a'.repeat(161)))
  t.notOk(fitsOneSegment('é😀'))
})

test('template replaces the text and is cut to one segment', async (t) => {
  const text = renderSms(hostile, { text: 'ALERT {{application}}\n{{{description}}}' })
  assertOneGsmSegment(t, text, 'template')
  t.ok(text.startsWith('ALERT shop Hi <!channel>'), 'plain text needs no escaping')
  t.notMatch(text, invisibleCharacters)
  t.ok(text.endsWith('...'))
  t.equal(renderSms(samples.pulse, { text: '{{title}} {{#blocked}}blocked{{/blocked}}' }),
    'Massive account takeover attempts on user@example.com blocked')
})

test('hostile text constant holds the dangerous characters', async (t) => {
  for (const part of ['<!channel>', '\u0000', '\u001b', '\u202e', '\n']) t.ok(hostileText.includes(part))
})
