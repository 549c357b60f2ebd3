import { test } from 'tap'
import { renderEmail } from '../../src/render/email.js'
import { normalize } from '../../src/notifications/normalize.js'
import { cleaningCases, hostile, invisibleCharacters, samples } from '../fixtures/notifications.js'

for (const [name, notification] of Object.entries(samples)) {
  test(`email of ${name}`, async (t) => {
    t.matchSnapshot(renderEmail(notification))
  })
}

test('subject names the event and the application', async (t) => {
  t.equal(renderEmail(samples.securityEventV1).subject,
    '[Sqreen] Security event: auth tor tentative - Demo app (production)')
  t.equal(renderEmail(normalize({ sqreen_payload_type: 'test' })).subject,
    '[Sqreen] Test notification from Sqreen')
})

test('hostile text is escaped in the HTML part', async (t) => {
  const { html } = renderEmail(hostile)
  t.notOk(html.includes('<script>'), 'no script element')
  t.notOk(html.includes('<!channel>'))
  t.notOk(html.includes('<https://x.example|click>'))
  t.ok(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'script shown as text')
  t.ok(html.includes('&amp;'), 'ampersand escaped')
  t.notMatch(html, invisibleCharacters)
  const tags = html.match(/<[a-zA-Z!/][^>]*>/g) ?? []
  const link = 'a href="https:\\/\\/my\\.sqreen\\.com\\/[^"]*"'
  const allowed = new RegExp('^</?(!DOCTYPE html|html|head|meta charset="utf-8"|title|body[^>]*|' +
    `h1|p|table[^>]*|tr|th[^>]*|td|a|${link})>$`)
  for (const tag of tags) t.match(tag, allowed, `only the relay's own tags: ${tag}`)
})

test('hostile text is cleaned in the text part', async (t) => {
  const { text, subject } = renderEmail(hostile)
  t.notMatch(text, invisibleCharacters)
  t.notMatch(subject, /[\r\n]/, 'subject is one line')
  t.notMatch(subject, invisibleCharacters)
  t.ok(text.includes('evil second line'), 'attacker line break collapsed')
})

test('hostile characters are cleaned', async (t) => {
  const templates = {
    'built-in': undefined,
    template: { subject: '{{title}} {{application}}', text: '{{description}}\n{{accountList}} {{#ips}}{{city}}{{/ips}}' }
  }
  for (const { name: kind, notification, removed, kept } of cleaningCases) {
    for (const [name, template] of Object.entries(templates)) {
      const parts = renderEmail(notification, template)
      for (const part of ['subject', 'text', 'html'] as const) {
        t.notMatch(parts[part], removed, `${kind}, ${name}: ${part}`)
        t.ok(parts[part].includes(kept), `${kind}, ${name}: ${part} keeps the rest`)
      }
    }
  }
})

test('text and HTML parts carry the same facts', async (t) => {
  const { text, html } = renderEmail(samples.securityEventV1)
  const facts = [
    'Demo app (production)',
    '135.96.171.118 (Sag, ROU, Tor)',
    'jeff45@harrell.com',
    'authentication / auth_tor_tentative',
    'Connection to jeff45@harrell.com from TOR (135.96.171.118)'
  ]
  for (const fact of facts) {
    t.ok(text.includes(fact), `text has ${fact}`)
    t.ok(html.includes(fact), `html has ${fact}`)
  }
  const url = samples.securityEventV1.url ?? ''
  t.ok(text.includes(url))
  t.ok(html.includes(`href="${url}"`))
})

test('no link for a non-http URL', async (t) => {
  const { text, html } = renderEmail({ ...samples.pulse, url: 'javascript:alert(1)' })
  t.notOk(html.includes('href'))
  t.notOk(text.includes('javascript'))
})

test('long subject is shortened', async (t) => {
  const n = normalize({ sqreen_payload_type: 'pulse', humanized_title: 'x'.repeat(500) })
  t.ok(Array.from(renderEmail(n).subject).length <= 160)
})

test('templates replace subject and text, escaped', async (t) => {
  const template = {
    subject: 'Sqreen {{title}}: {{{description}}}',
    text: 'Alert for {{application}}\n\n{{{description}}}\n{{#accounts}}- {{.}}\n{{/accounts}}'
  }
  const { subject, text, html } = renderEmail(hostile, template)
  t.ok(subject.startsWith('Sqreen Security event: auth tor tentative: Hi <!channel>'))
  t.notMatch(subject, /[\r\n]/)
  t.notMatch(subject, invisibleCharacters)
  t.ok(text.startsWith('Alert for shop Hi'))
  t.notMatch(text, invisibleCharacters)
  t.notOk(html.includes('<script>'))
  t.ok(html.includes('&lt;script&gt;'))
  t.match(html, /<p>Alert for shop Hi &lt;!channel&gt;/)
  t.matchSnapshot(renderEmail(samples.securityResponse, template), 'template rendering')
})

test('empty subject template falls back to the built-in subject', async (t) => {
  const { subject } = renderEmail(samples.httpScan, { subject: '{{description}}' })
  t.equal(subject, '[Sqreen] HTTP scan incident (created) - 601366f227a5d5001fe83586')
})
