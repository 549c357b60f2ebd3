import { test } from 'tap'
import { normalize } from '../../src/notifications/normalize.js'
import type { Notification } from '../../src/notifications/types.js'
import { compileMatch, type MatchSpec } from '../../src/routing/matchers.js'
import type { ConfigIssue } from '../../src/routing/schema.js'

function notification (fields: Partial<Notification> = {}): Notification {
  return { ...normalize({ sqreen_payload_type: 'security_event' }), ...fields }
}

function compile (spec: MatchSpec | MatchSpec[]): { matches: (n: Notification) => boolean, issues: ConfigIssue[] } {
  const issues: ConfigIssue[] = []
  const { matches } = compileMatch(spec, '/routes/0/match', issues)
  return { matches, issues }
}

/*
 * Patterns on which a backtracking engine takes exponential or polynomial
 * time with the text below. RE2 matches in linear time, so a return to a
 * backtracking engine would hang here past the test timeout.
 */
const backtrackingPatterns = ['^(a+)+$', '(a*)*b', '^(a|aa)+$', '^(\\w+\\s?)+$', '(.*)*!x', '^\\d*\\d*\\d*$']

test('backtracking patterns match in linear time', async (t) => {
  const value = `${'a'.repeat(50_000)}!`
  for (const regex of backtrackingPatterns) {
    const { matches, issues } = compile({ application_name: { regex } })
    t.same(issues, [], `${regex}: accepted`)
    t.notOk(matches(notification({ applicationName: value })), `${regex}: no match`)
  }
})

const unsupported: Array<{ name: string, spec: MatchSpec | MatchSpec[], path: string }> = [
  { name: 'backreference', spec: { application_name: { regex: '(a)\\1' } }, path: '/routes/0/match/application_name/regex' },
  { name: 'lookahead', spec: { environment: { regex: '^(?!prod)' } }, path: '/routes/0/match/environment/regex' },
  { name: 'lookbehind', spec: { type: { regex: '(?<=a)b' } }, path: '/routes/0/match/type/regex' },
  { name: 'in a value list', spec: { application_id: ['abc', { regex: '[' }] }, path: '/routes/0/match/application_id/1/regex' },
  { name: 'in a match list', spec: [{ type: 'pulse' }, { pulse_genre: { regex: '(x' } }], path: '/routes/0/match/1/pulse_genre/regex' }
]

test('syntax outside RE2 is rejected', async (t) => {
  for (const { name, spec, path } of unsupported) {
    const { issues } = compile(spec)
    t.equal(issues.length, 1, `${name}: one issue`)
    t.equal(issues[0]?.path, path, `${name}: path`)
    t.match(issues[0]?.problem, /^invalid regular expression: error parsing regexp: /, `${name}: problem`)
    t.match(issues[0]?.fix, /RE2 regular expression, which has no backreferences or lookaround/, `${name}: fix`)
  }
})

test('RE2 patterns are accepted', async (t) => {
  const cases = [
    { regex: '^shop-', value: 'shop-eu' },
    { regex: '^(shop|store)-(eu|us)$', value: 'store-us' },
    { regex: '^prod(uction)?$', value: 'production' },
    { regex: '[a-z]{2,}-[0-9]+', value: 'app-12' },
    { regex: '^\\p{Lu}', value: 'Équipe' },
    { regex: '(?P<name>\\w+)-x', value: 'front-x' }
  ]
  for (const { regex, value } of cases) {
    const { matches, issues } = compile({ application_name: { regex } })
    t.same(issues, [], `${regex}: accepted`)
    t.ok(matches(notification({ applicationName: value })), `${regex}: matches ${value}`)
  }
})

test('regex flags apply', async (t) => {
  t.ok(compile({ environment: { regex: '^prod', flags: 'i' } }).matches(notification({ environment: 'PROD-EU' })), 'i')
  t.notOk(compile({ environment: { regex: '^prod' } }).matches(notification({ environment: 'PROD-EU' })), 'no i')
  t.ok(compile({ environment: { regex: '^eu$', flags: 'm' } }).matches(notification({ environment: 'prod\neu' })), 'm')
  t.ok(compile({ environment: { regex: 'prod.eu', flags: 's' } }).matches(notification({ environment: 'prod\neu' })), 's')
  t.notOk(compile({ environment: { regex: 'prod.eu' } }).matches(notification({ environment: 'prod\neu' })), 'no s')
  t.ok(compile({ environment: { regex: '^\\p{Ll}+$', flags: 'u' } }).matches(notification({ environment: 'prod' })), 'u')
})

test('regex matches only strings', async (t) => {
  const { matches } = compile({ application_name: { regex: '.*' } })
  t.notOk(matches(notification({ applicationName: null })))
})
