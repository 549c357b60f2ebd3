import { test } from 'tap'
import {
  buildExtraFacts, buildFacts, cleanTitle, formatApplication, formatIp, formatList
} from '../../src/render/facts.js'
import { normalize } from '../../src/notifications/normalize.js'
import { samples } from '../fixtures/notifications.js'

test('facts follow the responder order', async (t) => {
  t.same(buildFacts(samples.securityEventV1).map((fact) => fact.label),
    ['Application', 'Source IPs', 'Accounts', 'Event', 'Date'])
  t.same(buildFacts(samples.pulse).map((fact) => fact.label),
    ['Application', 'Accounts', 'Pulse', 'Blocked', 'Date'])
  t.same(buildFacts(normalize({})), [])
})

test('application label uses what is known', async (t) => {
  t.equal(formatApplication(normalize({ application_name: 'a', environment: 'prod' })), 'a (prod)')
  t.equal(formatApplication(normalize({ application_id: 'id1' })), 'id1')
  t.equal(formatApplication(normalize({ environment: 'prod' })), 'prod')
  t.equal(formatApplication(normalize({})), null)
})

test('IP label shows city, country and Tor', async (t) => {
  const ip = { address: '1.1.1.1', country: 'FRA', city: 'Paris', tor: true }
  t.equal(formatIp(ip), '1.1.1.1 (Paris, FRA, Tor)')
  t.equal(formatIp({ address: '1.1.1.1', country: null, city: null, tor: false }), '1.1.1.1')
})

test('long lists are counted', async (t) => {
  t.equal(formatList(['a', 'b', 'c'], 2), 'a, b and 1 more')
  t.equal(formatList(['a', 'b'], 2), 'a, b')
})

test('title is never empty', async (t) => {
  t.equal(cleanTitle(normalize({ sqreen_payload_type: 'pulse', humanized_title: '\u202e\u200b' })),
    'Sqreen notification')
})

test('extra facts only for unknown types', async (t) => {
  t.same(buildExtraFacts(samples.securityEventV1), [])
  t.same(buildExtraFacts(samples.unknownType), [{ label: 'Attempts', value: '1200' }])
  t.same(buildExtraFacts(normalize({ message_type: 'x', message: null })), [])
  t.same(buildExtraFacts(normalize({ sqreen_payload_type: 'new_v1', field_a: 'a', b: '' })),
    [{ label: 'Field a', value: 'a' }])
})
