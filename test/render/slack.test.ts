import { test } from 'tap'
import { renderSlack, type SlackMessage, type SlackText } from '../../src/render/slack.js'
import { escapeSlack } from '../../src/render/text.js'
import { normalize } from '../../src/notifications/normalize.js'
import { cleaningCases, hostile, invisibleCharacters, loneSurrogate, samples } from '../fixtures/notifications.js'

function textObjects (message: SlackMessage): SlackText[] {
  return message.blocks.flatMap((block) => {
    if (block.type === 'actions') return block.elements.map((element) => element.text)
    if (block.type === 'header') return [block.text]
    return [...(block.text === undefined ? [] : [block.text]), ...(block.fields ?? [])]
  })
}

for (const [name, notification] of Object.entries(samples)) {
  test(`slack message of ${name}`, async (t) => {
    t.matchSnapshot(renderSlack(notification))
  })
}

test('hostile text arrives inert', async (t) => {
  const message = renderSlack(hostile)
  const json = JSON.stringify(message)
  for (const markup of ['<!channel>', '<https://x.example|click>', '<@U123>', '<script>']) {
    t.notOk(json.includes(markup), `no raw ${markup}`)
  }
  t.ok(json.includes('&lt;!channel&gt;'), 'mention escaped')
  t.ok(json.includes('&lt;https://x.example|click&gt;'), 'link escaped')
  t.ok(json.includes('&amp;'), 'ampersand escaped')
  for (const object of textObjects(message)) {
    t.notMatch(object.text, invisibleCharacters, `clean: ${object.text.slice(0, 20)}`)
  }
  t.notMatch(message.text, invisibleCharacters, 'fallback has no invisible character')
})

test('hostile characters are cleaned', async (t) => {
  const templates = {
    'built-in': undefined,
    template: { text: '{{title}}\n{{description}}\n{{application}} {{accountList}} {{#ips}}{{city}}{{/ips}}' }
  }
  for (const { name: kind, notification, removed, kept } of cleaningCases) {
    for (const [name, template] of Object.entries(templates)) {
      const message = renderSlack(notification, template)
      for (const object of textObjects(message)) {
        t.notMatch(object.text, removed, `${kind}, ${name}: ${object.text.slice(0, 20)}`)
      }
      t.notMatch(message.text, removed, `${kind}, ${name}: fallback`)
      t.ok(message.text.includes(kept), `${kind}, ${name}: the rest kept`)
    }
  }
})

test('attacker text is never mrkdwn', async (t) => {
  const objects = textObjects(renderSlack(hostile))
  t.ok(objects.length > 3)
  for (const object of objects) t.equal(object.type, 'plain_text')
  const templated = textObjects(renderSlack(hostile, { text: '{{description}}' }))
  for (const object of templated) t.equal(object.type, 'plain_text', 'with a template')
})

test('description keeps no line break of its own', async (t) => {
  const section = renderSlack(hostile).blocks[1]
  t.equal(section?.type, 'section')
  const text = section?.type === 'section' ? section.text?.text : undefined
  t.type(text, 'string')
  t.notOk(text?.includes('\n'), 'newline collapsed')
  t.ok(text?.includes('evil second line'))
})

test('link button only for http(s) URLs', async (t) => {
  const withLink = renderSlack(samples.securityEventV1).blocks.at(-1)
  t.match(withLink, {
    type: 'actions',
    elements: [{ type: 'button', url: /^https:\/\/my\.sqreen\.com\// }]
  })
  const bad = { ...samples.securityEventV1, url: 'javascript:alert(1)' }
  t.notOk(renderSlack(bad).blocks.some((block) => block.type === 'actions'))
  t.notOk(renderSlack(samples.httpScan).blocks.some((block) => block.type === 'actions'))
  const long = { ...samples.securityEventV1, url: `https://my.sqreen.com/${'a'.repeat(5000)}` }
  t.notOk(renderSlack(long).blocks.some((block) => block.type === 'actions'), 'no button past Slack\'s URL limit')
})

test('previews of links are off', async (t) => {
  t.match(renderSlack(samples.pulse), { unfurl_links: false, unfurl_media: false })
})

test('the fallback text is not formatted as mrkdwn', async (t) => {
  const n = normalize({ sqreen_payload_type: 'pulse', humanized_title: '*urgent* _now_ ~gone~' })
  const message = renderSlack(n)
  t.equal(message.mrkdwn, false)
  t.match(message.text, '*urgent* _now_ ~gone~')
  t.equal(renderSlack(n, { text: '*{{title}}*' }).mrkdwn, false, 'nor is a template\'s text')
})

test('block limits are kept', async (t) => {
  const long = 'A'.repeat(5000) + '&'.repeat(100)
  const n = normalize({
    sqreen_payload_type: 'pulse',
    humanized_title: long,
    humanized_description: long,
    user_identifiers: Array.from({ length: 30 }, (_, i) => `user${i}@x.example`)
  })
  const message = renderSlack(n)
  const header = message.blocks[0]
  t.ok(header?.type === 'header' && header.text.text.length <= 150, 'header within 150')
  for (const object of textObjects(message)) t.ok(object.text.length <= 3000)
  t.ok(message.text.length <= 3000, 'fallback within 3000')
  t.match(JSON.stringify(message), /and 20 more/)
})

test('more than ten facts are split into sections', async (t) => {
  const fields: Record<string, unknown> = {}
  for (let i = 0; i < 8; i++) fields[`field_${i}`] = `value ${i}`
  const n = normalize({
    message_type: 'new_type',
    message: {
      ...fields,
      application_name: 'a',
      ips: ['1.1.1.1'],
      event_kind: 'k',
      risk: 3,
      blocked: true,
      date_occurred: 'd'
    }
  })
  const sections = renderSlack(n).blocks
    .filter((block) => block.type === 'section' && block.fields !== undefined)
  t.equal(sections.length, 2)
})

test('template replaces the blocks and escapes values', async (t) => {
  const template = { text: '*Alert* {{title}}\n{{description}} {{{description}}} {{&description}}' }
  const message = renderSlack(hostile, template)
  const json = JSON.stringify(message)
  t.notOk(json.includes('<!channel>'), 'no raw mention in any form of the value')
  t.notOk(json.includes('<https://x.example|click>'))
  t.notMatch(message.text, invisibleCharacters)
  t.same(Object.keys(message.blocks[0] ?? {}), ['type', 'text'])
  t.match(message.blocks[0], { type: 'section', text: { type: 'plain_text', emoji: false } })
  const firstLine = '*Alert* Security event: auth tor tentative\n'
  t.ok(message.text.startsWith(firstLine), 'operator text and line kept as typed')
  t.match(message.blocks.at(-1), { type: 'actions' })
})

const markdownCases = [
  { name: 'bold', text: '*urgent*' },
  { name: 'italic', text: '_now_' },
  { name: 'strike', text: '~gone~' },
  { name: 'code', text: '`rm -rf`' },
  { name: 'code block', text: '```block```' },
  { name: 'quote', text: '> quoted' },
  { name: 'emoji', text: ':rotating_light:' },
  { name: 'date', text: '<!date^1392734382^{date}|x>' }
]

test('template values are never formatted', async (t) => {
  for (const { name, text } of markdownCases) {
    const n = normalize({ sqreen_payload_type: 'pulse', humanized_description: `see ${text} here` })
    const message = renderSlack(n, { text: 'Alert: {{description}}' })
    const expected = `Alert: see ${escapeSlack(text)} here`
    t.equal(message.mrkdwn, false, `${name}: fallback is not mrkdwn`)
    t.equal(message.text, expected, `${name}: fallback as typed`)
    t.same(message.blocks[0], { type: 'section', text: { type: 'plain_text', text: expected, emoji: false } }, `${name}: block`)
  }
})

test('empty template output falls back to the title', async (t) => {
  const message = renderSlack(samples.httpScan, { text: '{{description}}' })
  t.equal(message.text, 'HTTP scan incident (created)')
})

test('template without text keeps the built-in rendering', async (t) => {
  t.same(renderSlack(samples.pulse, { subject: 'x' }), renderSlack(samples.pulse))
})

/** Matches an & that does not start one of the entities escapeSlack writes. */
const brokenEntity = /&(?!(?:amp|lt|gt);)/

test('template text is cut between entities', async (t) => {
  const n = normalize({ sqreen_payload_type: 'pulse', humanized_description: '&'.repeat(1000) })
  const message = renderSlack(n, { text: 'x{{description}}{{description}}{{description}}{{description}}' })
  t.ok(message.text.length <= 3000, 'within 3000')
  t.ok(message.text.endsWith('&amp;…'), 'ends with a whole entity')
  t.notMatch(message.text, brokenEntity, 'no broken entity')
})

test('template and built-in cut alike', async (t) => {
  // Each group is 3 code points and 11 UTF-16 code units once escaped.
  const description = '😀&<'.repeat(333)
  const n = normalize({ sqreen_payload_type: 'pulse', humanized_description: description })
  const builtIn = renderSlack(n).blocks[1]
  const templated = renderSlack(n, { text: '{{description}}' }).blocks[0]
  const text = builtIn?.type === 'section' ? builtIn.text?.text : undefined
  t.ok(text !== undefined && text.length <= 3000, 'built-in within 3000 code units')
  t.notMatch(text, brokenEntity, 'built-in: no broken entity')
  t.notMatch(text, loneSurrogate, 'built-in: no split pair')
  t.same(templated, { type: 'section', text: { type: 'plain_text', text, emoji: false } }, 'same text')
})
