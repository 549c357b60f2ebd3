import { test } from 'tap'
import { canonicalJson, contentKey, normalize } from '../../src/notifications/normalize.js'
import type { SqreenItem } from '../../src/notifications/types.js'
import { fixtureItems, listFixtures } from '../fixtures/sqreen.js'

function firstItem (name: string): SqreenItem {
  const item = fixtureItems(name)[0]
  if (item === undefined) throw new Error(`${name} contains no notification`)
  return item
}

test('every fixture normalises', async (t) => {
  const names = listFixtures()
  t.ok(names.length >= 20, 'fixtures are found')
  for (const name of names) {
    const [prefix = '', source = ''] = name.split('__')
    const format = prefix.endsWith('_v2') ? 'v2' : 'v1'
    const type = prefix.replace(/_v[12]$/, '')
    for (const item of fixtureItems(name)) {
      const n = normalize(item)
      t.equal(n.type, type, `${source}: type`)
      t.equal(n.format, format, `${source}: format`)
      t.ok(n.title.length > 0, `${source}: title`)
      t.equal(n.raw, item, `${source}: raw item kept`)
    }
  }
})

const expectedFacts: Array<[string, Record<string, unknown>]> = [
  ['security_event_v1__akshaysharma096_Sqreen-Engineering-Challenge.json', {
    type: 'security_event',
    id: '587b234e4891d57c1bf5c8c9',
    applicationName: 'Demo app',
    environment: 'production',
    eventCategory: 'authentication',
    eventKind: 'auth_tor_tentative',
    title: 'Security event: auth tor tentative',
    description: 'Connection to jeff45@harrell.com from TOR (135.96.171.118)',
    tor: true,
    ips: [{ address: '135.96.171.118', country: 'ROU', city: 'Sag', tor: true }],
    accounts: ['jeff45@harrell.com'],
    risk: null
  }],
  ['security_event_v2__raphael-thibierge_sqreen_webhooks_to_sms.json', {
    format: 'v2',
    id: '60152f0bbdc966000fc88b58',
    date: '2021-01-30T10:03:54.905000+00:00',
    risk: 25,
    ips: [{ address: '103.6.198.100', country: 'MYS', city: null, tor: false }],
    url: 'https://my.sqreen.com/application/601366f227a5d5001fe83586/events/60152f0bbdc966000fc88b58'
  }],
  ['security_event_v1__vhiairrassary_sqreentest__received-transcribed.json', {
    risk: 50,
    ips: [{ address: '127.0.0.1', country: null, city: null, tor: false }]
  }],
  ['security_event_v1__JordanP_my-flask.json', {
    title: 'Security event',
    date: '2018-10-10T08:32:25.169232+00:00',
    applicationId: null,
    ips: [],
    accounts: [],
    url: null
  }],
  ['pulse_v1__akshaysharma096_Sqreen-Engineering-Challenge.json', {
    type: 'pulse',
    title: 'Massive account takeover attempts on user@example.com',
    description: 'From Paris, France',
    pulseGenre: 'account_takeover',
    blocked: true,
    accounts: ['user@example.com'],
    url: 'https://my.sqreen.com/application/5dd058775c3feb0021c0bb43/pulses/5dd5b454e56c7e0024169b4b'
  }],
  ['security_response_v1__docs.sqreen.com_builtin-security-responses__reconstructed.json', {
    title: 'Security response: Peak of login failure',
    applicationName: 'Application name',
    applicationId: '5a87625fcefe8b16933724',
    environment: 'production',
    ips: [],
    accounts: ['user@sqreen.com']
  }],
  ['security_response_v2__loicbaron_sqreen.json', {
    id: '86dea0ad-fd24-45e8-ab2c-5294c1221e1d',
    ips: [{ address: '127.0.0.1' }],
    accounts: ['sqreen@example.com']
  }],
  ['test_v1__kapeed2091_workorders.json', {
    type: 'test',
    title: 'Test notification from Sqreen',
    applicationName: '"workorders"',
    description: null,
    url: 'http://test/'
  }],
  ['test_v2__anna-git_SqreenDispatcher.json', {
    applicationId: null,
    applicationName: 'AppToMonitor'
  }],
  ['http_scan_v2__raphael-thibierge_sqreen_webhooks_to_sms.json', {
    type: 'http_scan',
    title: 'HTTP scan incident (created)',
    date: '2021-01-29T01:39:04.897000+00:00',
    applicationId: '601366f227a5d5001fe83586',
    ips: [{ address: '213.245.178.46', country: 'FRA', city: 'Paris', tor: false }]
  }]
]

test('fixtures give the expected facts', async (t) => {
  for (const [name, facts] of expectedFacts) {
    t.match(normalize(firstItem(name)), facts, name)
  }
})

test('second item of a batch normalises', async (t) => {
  const second = fixtureItems('security_event_v2__fousti_sqreened_app.json')[1]
  t.match(normalize(second ?? {}), {
    format: 'v2',
    eventKind: 'auth_new_location',
    tor: false,
    ips: [{ address: '84.185.129.221' }]
  })
})

test('user identifiers as strings and objects', async (t) => {
  const n = normalize({
    sqreen_payload_type: 'security_response',
    properties: {
      user_identifiers: ['a@x.example', { email: 'b@x.example' }, { email: 'c@x.example', id: 7 }]
    }
  })
  t.same(n.accounts, ['a@x.example', 'b@x.example', 'email=c@x.example, id=7'])
})

test('duplicate accounts and IPs are listed once', async (t) => {
  const n = normalize({
    sqreen_payload_type: 'security_event',
    user_identifiers: ['a@x.example', 'a@x.example'],
    ips: [{ address: '1.1.1.1' }, { address: '1.1.1.1', is_tor: true }, '2.2.2.2']
  })
  t.same(n.accounts, ['a@x.example'])
  t.same(n.ips.map((ip) => ip.address), ['1.1.1.1', '2.2.2.2'])
})

test('only http and https URLs are kept', async (t) => {
  const cases: Array<[unknown, string | null]> = [
    ['https://my.sqreen.com/x', 'https://my.sqreen.com/x'],
    ['http://test', 'http://test/'],
    ['javascript:alert(1)', null],
    ['data:text/html,<b>x</b>', null],
    ['ftp://x.example/', null],
    ['not a url', null],
    [42, null]
  ]
  for (const [url, expected] of cases) {
    t.equal(normalize({ sqreen_payload_type: 'pulse', url }).url, expected, String(url))
  }
})

test('event_url wins over url in v2', async (t) => {
  const n = normalize({
    message_type: 'security_event',
    message: { event_url: 'javascript:x', url: 'https://my.sqreen.com/y' }
  })
  t.equal(n.url, 'https://my.sqreen.com/y')
})

test('unknown type gets a generic title', async (t) => {
  t.equal(normalize({ message_type: 'brand_new_thing', message: {} }).title,
    'Brand new thing notification')
  t.equal(normalize({ message_type: 'x', message: { humanized_title: 'Something odd' } }).title,
    'Something odd')
  t.equal(normalize({ message_type: 'account_takeover', message: { incident_status: 'closed' } }).title,
    'Account takeover incident (closed)')
  t.equal(normalize({ message_type: 'sql_scan', message: { incident_thread: 't' } }).title,
    'SQL scan incident')
  t.equal(normalize({ message_type: '___', message: {} }).title, 'Unknown notification')
  t.equal(normalize({ sqreen_payload_type: 'pulse', pulse_genre: 'x' }).title, 'Pulse')
  t.equal(normalize({ sqreen_payload_type: 'security_response' }).title, 'Security response')
})

const oddItems: unknown[] = [
  {},
  { sqreen_payload_type: 5 },
  { sqreen_payload_type: '' },
  { message_type: 'security_event' },
  { message_type: null, message: null },
  { message_type: 'security_event', message: [] },
  { message_type: 'security_event', message: 'text' },
  {
    sqreen_payload_type: 'security_event',
    ips: [null, 1, {}, { address: 5 }, { address: '1.1.1.1', geo: null },
      { address: '2.2.2.2', geo: { code: 7, city: [] } }, { ip_cidr: '' }],
    user_identifiers: [null, {}, { email: null }, [], true],
    application_account_account_keys: 'x',
    humanized_accounts: {},
    risk: '50',
    risk_coefficient: Number.NaN,
    blocked: 'yes',
    application: 'x',
    properties: 5,
    humanized_title: {},
    humanized_description: ['x'],
    date_occurred: {},
    url: { href: 'https://x.example' }
  },
  { message_type: 'pulse', message: { application: { name: null, environment: 3 } } },
  { sqreen_payload_type: 'test', ips: { length: 2 }, new_related_ips: 'x' },
  null,
  [],
  'text'
]

test('odd input never throws', async (t) => {
  for (const item of oddItems) {
    const n = normalize(item as SqreenItem)
    t.type(n.type, 'string', JSON.stringify(item))
    t.type(n.title, 'string')
    t.ok(Array.isArray(n.ips))
    t.ok(Array.isArray(n.accounts))
  }
})

test('fields of the wrong type become null', async (t) => {
  const n = normalize(oddItems[7] as SqreenItem)
  t.match(n, {
    type: 'security_event',
    risk: null,
    blocked: null,
    description: null,
    date: null,
    url: null,
    accounts: [],
    ips: [
      { address: '1.1.1.1', country: null },
      { address: '2.2.2.2', country: null, city: null }
    ]
  })
  t.equal(n.ips.length, 2)
  t.equal(normalize({ sqreen_payload_type: 5 }).type, 'unknown')
  t.equal(normalize({ message_type: null, message: null }).format, 'v2')
})

/** Returns a random JSON value drawn with `next`, nested a few levels deep. */
function randomJson (next: () => number, depth: number): unknown {
  const choice = Math.floor(next() * (depth > 3 ? 5 : 7))
  const keys = ['ips', 'geo', 'message', 'address', 'user_identifiers', 'application', 'url',
    'risk', 'blocked', 'properties', 'email', 'is_tor', 'code', 'city', 'value', 'event_kind']
  switch (choice) {
    case 0: return null
    case 1: return next() > 0.5
    case 2: return Math.floor(next() * 100)
    case 3: return ['', 'x', 'https://x.example', '1.2.3.4', '<!channel>'][Math.floor(next() * 5)]
    case 4: return Number.NaN
    case 5: return Array.from({ length: Math.floor(next() * 4) }, () => randomJson(next, depth + 1))
    default: return Object.fromEntries(Array.from({ length: Math.floor(next() * 5) }, () =>
      [keys[Math.floor(next() * keys.length)], randomJson(next, depth + 1)]))
  }
}

test('random objects never throw', async (t) => {
  let state = 42
  const next = (): number => {
    state = (state * 1103515245 + 12345) % 2147483648
    return state / 2147483648
  }
  let count = 0
  for (let i = 0; i < 2000; i++) {
    const typeField = next() > 0.5 ? 'message_type' : 'sqreen_payload_type'
    const item = {
      [typeField]: 'security_event',
      message: randomJson(next, 0),
      ...(randomJson(next, 1) as object)
    }
    normalize(item)
    count++
  }
  t.equal(count, 2000)
})

test('contentKey ignores retry_count and date_created', async (t) => {
  const item = firstItem('security_event_v2__anna-git_SqreenDispatcher.json')
  const resent = { ...item, retry_count: 3, date_created: '2021-01-01T00:00:00+00:00' }
  t.equal(contentKey(resent), contentKey(item))
  t.match(contentKey(item), /^[0-9a-f]{64}$/)
})

test('contentKey ignores key order and whitespace', async (t) => {
  const [pretty] = fixtureItems('security_event_v2__fousti_sqreened_app.json')
  const [compact] = fixtureItems('security_event_v2__fousti_sqreened_app__min.json')
  t.equal(contentKey(pretty ?? {}), contentKey(compact ?? {}))
  t.equal(contentKey({ a: 1, b: { c: 2, d: 3 } }), contentKey({ b: { d: 3, c: 2 }, a: 1 }))
})

test('contentKey changes with content', async (t) => {
  const item = firstItem('security_event_v2__anna-git_SqreenDispatcher.json')
  const message = item.message as Record<string, unknown>
  const changed = { ...item, message: { ...message, event_id: 'other' } }
  t.not(contentKey(changed), contentKey(item))
  t.not(contentKey({ message: { date_created: 'a' } }), contentKey({ message: { date_created: 'b' } }),
    'nested date_created is content')
  t.not(contentKey({ message_id: 'a' }), contentKey({ message_id: 'b' }))
})

test('canonicalJson sorts keys at every depth', async (t) => {
  t.equal(canonicalJson({ b: [{ d: 1, c: 'x' }], a: null }), '{"a":null,"b":[{"c":"x","d":1}]}')
  t.equal(canonicalJson([undefined, Number.NaN]), '[null,null]')
  t.equal(canonicalJson('é"'), '"é\\""')
})
