import { test } from 'tap'
import { normalize } from '../../src/notifications/normalize.js'
import type { Notification } from '../../src/notifications/types.js'
import type { MatchSpec } from '../../src/routing/matchers.js'
import {
  buildRoutingTable, describeUnmatched, explain, formatRoutingTable, type RouteSpec
} from '../../src/routing/table.js'
import type { ReceiverSpec, RoutingTable } from '../../src/routing/types.js'

function notification (fields: Partial<Notification> = {}): Notification {
  return { ...normalize({ sqreen_payload_type: 'security_event' }), ...fields }
}

function logReceivers (...names: string[]): ReceiverSpec[] {
  return names.map((name) => ({ name, type: 'log' }))
}

/** Builds a table with one route to receiver `hit` and a catch-all to `miss`. */
function single (match: MatchSpec | MatchSpec[]): RoutingTable {
  return buildRoutingTable({
    receivers: logReceivers('hit', 'miss'),
    routes: [{ match, receivers: ['hit'] }, { receivers: ['miss'] }]
  })
}

const matcherCases: Array<{
  name: string
  match: MatchSpec | MatchSpec[]
  hits: Array<Partial<Notification>>
  misses: Array<Partial<Notification>>
}> = [
  {
    name: 'equality',
    match: { environment: 'production' },
    hits: [{ environment: 'production' }],
    misses: [{ environment: 'Production' }, { environment: null }]
  },
  {
    name: 'list of values',
    match: { type: ['pulse', 'account_takeover'] },
    hits: [{ type: 'pulse' }, { type: 'account_takeover' }],
    misses: [{ type: 'security_event' }]
  },
  {
    name: 'regex',
    match: { application_name: { regex: '^shop-' } },
    hits: [{ applicationName: 'shop-eu' }],
    misses: [{ applicationName: 'eu-shop-' }, { applicationName: null }]
  },
  {
    name: 'regex with flags',
    match: { event_kind: { regex: '^auth_', flags: 'i' } },
    hits: [{ eventKind: 'AUTH_tor_tentative' }],
    misses: [{ eventKind: 'waf' }]
  },
  {
    name: 'list mixing values and regex',
    match: { application_id: ['abc', { regex: '^60' }] },
    hits: [{ applicationId: 'abc' }, { applicationId: '601366f2' }],
    misses: [{ applicationId: 'abcd' }]
  },
  {
    name: 'threshold gte',
    match: { risk: { gte: 50 } },
    hits: [{ risk: 50 }, { risk: 90 }],
    misses: [{ risk: 49 }, { risk: null }]
  },
  {
    name: 'threshold range',
    match: { risk: { gt: 20, lt: 60 } },
    hits: [{ risk: 25 }],
    misses: [{ risk: 20 }, { risk: 60 }]
  },
  {
    name: 'threshold lte',
    match: { risk: { lte: 10 } },
    hits: [{ risk: 10 }],
    misses: [{ risk: 11 }]
  },
  {
    name: 'numbers and thresholds in a list',
    match: { risk: [42, { gte: 90 }] },
    hits: [{ risk: 42 }, { risk: 95 }],
    misses: [{ risk: 50 }]
  },
  {
    name: 'numeric equality',
    match: { risk: 25 },
    hits: [{ risk: 25 }],
    misses: [{ risk: 26 }]
  },
  {
    name: 'booleans',
    match: { tor: true, blocked: false },
    hits: [{ tor: true, blocked: false }],
    misses: [{ tor: true, blocked: null }, { tor: false, blocked: false }]
  },
  {
    name: 'every field must match',
    match: { event_category: 'authentication', pulse_genre: 'account_takeover' },
    hits: [{ eventCategory: 'authentication', pulseGenre: 'account_takeover' }],
    misses: [{ eventCategory: 'authentication' }, { pulseGenre: 'account_takeover' }]
  },
  {
    name: 'any match object',
    match: [{ application_name: 'admin' }, { application_id: 'a1' }],
    hits: [{ applicationName: 'admin' }, { applicationId: 'a1' }],
    misses: [{ applicationName: 'a1' }]
  }
]

test('matcher forms', async (t) => {
  for (const { name, match, hits, misses } of matcherCases) {
    const table = single(match)
    for (const fields of hits) {
      t.same(table.route(notification(fields)), ['hit'], `${name}: ${JSON.stringify(fields)} matches`)
    }
    for (const fields of misses) {
      t.same(table.route(notification(fields)), ['miss'], `${name}: ${JSON.stringify(fields)} does not`)
    }
  }
})

test('first match wins', async (t) => {
  const table = buildRoutingTable({
    receivers: logReceivers('a', 'b'),
    routes: [
      { match: { type: 'pulse' }, receivers: ['a'] },
      { match: { environment: 'production' }, receivers: ['b'] }
    ]
  })
  t.same(table.route(notification({ type: 'pulse', environment: 'production' })), ['a'])
  t.same(table.route(notification({ environment: 'production' })), ['b'])
})

test('continue adds later routes once each', async (t) => {
  const table = buildRoutingTable({
    receivers: logReceivers('a', 'b', 'c', 'd'),
    routes: [
      { name: 'first', match: { type: 'pulse' }, receivers: ['a', 'b'], continue: true },
      { name: 'second', match: { environment: 'production' }, receivers: ['b', 'c'] },
      { name: 'third', match: { tor: true }, receivers: ['c'] },
      { name: 'rest', receivers: ['d'] }
    ]
  })
  const n = notification({ type: 'pulse', environment: 'production', tor: true })
  t.same(table.route(n), ['a', 'b', 'c'], 'the route without continue stops matching')
  const raw = { sqreen_payload_type: 'pulse', environment: 'production', ips: [{ address: '192.0.2.1', is_tor: true }] }
  t.same(explain(table, [raw])[0]?.routes, ['first', 'second'], 'explain names the routes taken')
  t.same(table.route(notification({ type: 'pulse' })), ['a', 'b'], 'catch-all skipped after a match')
  t.same(table.route(notification({ type: 'test' })), ['d'])
})

test('unmatched notification gets no receiver', async (t) => {
  const table = buildRoutingTable({
    receivers: logReceivers('a'),
    routes: [{ match: { type: 'pulse' }, receivers: ['a'] }]
  })
  const n = normalize({ sqreen_payload_type: 'security_event', environment: 'production' })
  t.same(table.route(n), [])
  t.same(describeUnmatched(n), {
    type: 'security_event',
    format: 'v1',
    id: null,
    environment: 'production',
    applicationId: null,
    applicationName: null
  })
})

test('default flag marks the catch-all', async (t) => {
  const table = buildRoutingTable({
    receivers: logReceivers('a', 'b'),
    routes: [{ match: { type: 'pulse' }, receivers: ['a'] }, { name: 'rest', default: true, receivers: ['b'] }]
  })
  t.same(table.route(notification({ type: 'http_scan' })), ['b'])
  t.equal(table.routes?.[1]?.catchAll, true)
})

test('route names default to position', async (t) => {
  const table = buildRoutingTable({
    receivers: logReceivers('a'),
    routes: [{ match: { type: 'pulse' }, receivers: ['a'] }, { receivers: ['a'] }]
  })
  t.same(table.routes?.map((route) => route.name), ['route-1', 'default'])
})

const invalidDocuments: Array<{ name: string, receivers: ReceiverSpec[], routes: RouteSpec[], message: RegExp }> = [
  {
    name: 'unknown receiver with a suggestion',
    receivers: logReceivers('ops-slack'),
    routes: [{ receivers: ['ops-slak'] }],
    message: /^routes: \/routes\/0\/receivers\/0: unknown receiver "ops-slak"; did you mean "ops-slack"\?$/m
  },
  {
    name: 'unknown receiver listing names',
    receivers: logReceivers('a', 'b'),
    routes: [{ receivers: ['zzzz'] }],
    message: /\/routes\/0\/receivers\/0: unknown receiver "zzzz"; define it under receivers, or use one of: a, b$/m
  },
  {
    name: 'duplicate receiver',
    receivers: logReceivers('a', 'a'),
    routes: [{ receivers: ['a'] }],
    message: /\/receivers\/a: duplicate receiver name "a"; give each receiver a unique name/
  },
  {
    name: 'duplicate route name',
    receivers: logReceivers('a'),
    routes: [
      { name: 'x', match: { type: 'a' }, receivers: ['a'] },
      { name: 'x', match: { type: 'b' }, receivers: ['a'] }
    ],
    message: /\/routes\/1\/name: duplicate route name "x", also used by \/routes\/0; give each route a unique name/
  },
  {
    name: 'catch-all before the end',
    receivers: logReceivers('a'),
    routes: [{ receivers: ['a'] }, { match: { type: 'pulse' }, receivers: ['a'] }],
    message: /\/routes\/0: a route without match takes every notification left.*; move it to the end, or give it a match/
  },
  {
    name: 'default with match',
    receivers: logReceivers('a'),
    routes: [{ default: true, match: { type: 'pulse' }, receivers: ['a'] }],
    message: /\/routes\/0\/default: a default route cannot have match; remove match/
  },
  {
    name: 'empty receivers',
    receivers: logReceivers('a'),
    routes: [{ receivers: [] }],
    message: /\/routes\/0\/receivers: must not be empty; list at least one receiver/
  },
  {
    name: 'invalid regex',
    receivers: logReceivers('a'),
    routes: [{ match: { environment: { regex: '(prod' } }, receivers: ['a'] }],
    message: /\/routes\/0\/match\/environment\/regex: invalid regular expression: .*missing closing \).*; write an RE2 regular expression/
  },
  {
    name: 'stateful regex flag',
    receivers: logReceivers('a'),
    routes: [{ match: { environment: { regex: 'prod', flags: 'g' } }, receivers: ['a'] }],
    message: /\/routes\/0\/match\/environment\/flags: invalid flags "g"; use only i, m, s and u/
  },
  {
    name: 'unknown match field',
    receivers: logReceivers('a'),
    routes: [{ match: { colour: 'red' } as MatchSpec, receivers: ['a'] }],
    message: /\/routes\/0\/match\/colour: unknown match field "colour"; use one of: type, environment/
  },
  {
    name: 'invalid threshold',
    receivers: logReceivers('a'),
    routes: [{ match: [{ risk: { above: 3 } as never }], receivers: ['a'] }],
    message: /\/routes\/0\/match\/0\/risk\/above: invalid threshold; use gt, gte, lt or lte with a number/
  }
]

test('invalid documents are rejected', async (t) => {
  for (const { name, receivers, routes, message } of invalidDocuments) {
    t.throws(() => buildRoutingTable({ receivers, routes }), { code: 'RELAY_CONFIG_INVALID', message }, name)
  }
})

test('issues are listed together', async (t) => {
  const error = t.throws(() => buildRoutingTable({
    receivers: logReceivers('a'),
    routes: [{ receivers: ['b'] }, { match: { type: 'x' }, receivers: ['c'] }]
  }, 'custom.yml')) as Error
  t.equal(error.message.split('\n').length, 4, 'a heading and three issues')
  t.match(error.message, /^invalid routes:\ncustom\.yml: \/routes\/0\/receivers\/0/)
})

test('table text lists receivers and routes', async (t) => {
  const table = buildRoutingTable({
    receivers: [
      { name: 'log', type: 'log' },
      { name: 'ops', type: 'slack', webhookUrl: 'https://hooks.slack.com/services/T0/B0/secret-path' },
      {
        name: 'mail',
        type: 'email',
        smtpUrl: 'smtps://relay:smtp-secret@mail.example.com:465',
        from: 'relay@example.com',
        to: ['a@example.com']
      },
      {
        name: 'hook',
        type: 'webhook',
        url: 'https://siem.example.com/ingest?token=query-secret',
        secret: 'hmac-secret',
        signatureHeader: 'X-Signature'
      },
      { name: 'bus', type: 'amqp', exchange: 'security', routingKey: 'alerts' },
      { name: 'spare', type: 'log' }
    ],
    routes: [
      { name: 'prod', match: { environment: ['production', 'prod'], risk: { gte: 50 } }, receivers: ['ops', 'hook'], continue: true },
      { receivers: ['log', 'mail', 'bus'] }
    ]
  })
  const text = formatRoutingTable(table)
  for (const secret of ['secret-path', 'smtp-secret', 'query-secret', 'hmac-secret']) {
    t.notOk(text.includes(secret), `${secret} is not printed`)
  }
  t.match(text, /^ {2}log +log$/m, 'a log receiver has no details')
  t.match(text, /ops +slack +https:\/\/hooks\.slack\.com\/\[redacted\]/)
  t.match(text, /mail +email +from relay@example\.com to a@example\.com via smtps:\/\/relay:redacted@mail\.example\.com:465/)
  t.match(text, /hook +webhook +https:\/\/siem\.example\.com\/\[redacted\], signature in X-Signature/)
  t.match(text, /bus +amqp +exchange "security", routing key "alerts" on the relay's broker/)
  t.match(text, /spare +log +\(no route sends to it\)/)
  t.match(text, /1\. prod \(continue\): environment is one of "production", "prod" and risk >= 50 -> ops, hook/)
  t.match(text, /2\. default: every notification no route above took -> log, mail, bus/)
})

test('hand-built table without route list', async (t) => {
  const table: RoutingTable = {
    receivers: [{ name: 'sms', type: 'sms', accountSid: 'AC1', authToken: 'twilio-secret', from: '+15005550006', to: ['+33612345678'], apiUrl: 'https://api.twilio.com' }],
    route: () => ['sms']
  }
  const text = formatRoutingTable(table)
  t.match(text, /sms +sms +from \+15005550006 to \+33612345678 via https:\/\/api\.twilio\.com\//)
  t.notMatch(text, /no route sends/)
  t.match(text, /\(a routing function without a route list\)/)
  t.notOk(text.includes('twilio-secret'))
  t.same(explain(table, [{ sqreen_payload_type: 'pulse' }]), [
    { index: 0, type: 'pulse', receivers: ['sms'], routes: [] }
  ])
})
