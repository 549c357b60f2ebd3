import { test } from 'tap'
import {
  buildTemplateView, checkTemplate, renderTemplate, templateItemFields, templateVariables
} from '../../src/render/template.js'
import { escapeHtml } from '../../src/render/text.js'
import { hostile, samples } from '../fixtures/notifications.js'

test('view has every documented variable', async (t) => {
  const view = buildTemplateView(samples.securityEventV1)
  t.same(Object.keys(view).sort(), [...templateVariables].sort())
  t.match(view, {
    title: 'Security event: auth tor tentative',
    application: 'Demo app (production)',
    ipList: '135.96.171.118 (Sag, ROU, Tor)',
    ips: [{ address: '135.96.171.118', country: 'ROU', city: 'Sag', tor: true }],
    accounts: ['jeff45@harrell.com'],
    tor: true
  })
})

test('list items have the documented fields', async (t) => {
  const view = buildTemplateView(samples.securityEventV1) as { ips: object[], accounts: unknown[] }
  t.same(Object.keys(view.ips[0] ?? {}).sort(), [...templateItemFields.ips].sort())
  t.type(view.accounts[0], 'string', 'an account is written {{.}}')
})

test('every form of a value is escaped', async (t) => {
  const text = renderTemplate('{{description}}#{{{description}}}#{{&description}}', hostile, escapeHtml)
  const parts = text.split('#')
  t.equal(parts.length, 3)
  t.equal(parts[0], parts[1], 'triple mustache escaped as well')
  t.equal(parts[0], parts[2], 'ampersand tag escaped as well')
  t.notOk(text.includes('<'))
})

test('sections and lists render', async (t) => {
  const template = '{{#ips}}{{address}}{{#tor}} (Tor){{/tor}};{{/ips}}{{^url}}no link{{/url}}'
  t.equal(renderTemplate(template, samples.securityEventV1, escapeHtml), '135.96.171.118 (Tor);')
  t.equal(renderTemplate(template, samples.securityResponse, escapeHtml), '127.0.0.1;no link')
})

test('invalid template throws', async (t) => {
  t.throws(() => checkTemplate('{{#open}} never closed'), /Unclosed section/)
  t.doesNotThrow(() => checkTemplate('{{title}}'))
  t.throws(() => renderTemplate('{{/x}}', samples.pulse, escapeHtml))
})
