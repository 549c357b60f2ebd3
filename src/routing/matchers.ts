import { RE2JS } from 're2js'
import type { Notification } from '../notifications/types.js'
import type { ConfigIssue } from './schema.js'

export interface RegexSpec {
  regex: string
  /** Any of `i`, `m`, `s` and `u`; `g` and `y` would make `test` stateful. */
  flags?: string
}

export interface ThresholdSpec {
  gt?: number
  gte?: number
  lt?: number
  lte?: number
}

export type ValueSpec = string | number | boolean | RegexSpec | ThresholdSpec

/** One value, or a list that matches when any of its values matches. */
export type FieldSpec = ValueSpec | ValueSpec[]

/**
 * Routing fields of a routes file, named as in Sqreen's bodies, with the
 * Notification property each one reads and the kind of value it holds.
 */
export const matchFields = {
  type: { property: 'type', kind: 'text' },
  environment: { property: 'environment', kind: 'text' },
  application_id: { property: 'applicationId', kind: 'text' },
  application_name: { property: 'applicationName', kind: 'text' },
  event_category: { property: 'eventCategory', kind: 'text' },
  event_kind: { property: 'eventKind', kind: 'text' },
  pulse_genre: { property: 'pulseGenre', kind: 'text' },
  risk: { property: 'risk', kind: 'number' },
  tor: { property: 'tor', kind: 'boolean' },
  blocked: { property: 'blocked', kind: 'boolean' }
} as const satisfies Record<string, { property: keyof Notification, kind: 'text' | 'number' | 'boolean' }>

export type MatchField = keyof typeof matchFields

/** Conditions of one route; the route matches when every condition holds. */
export type MatchSpec = Partial<Record<MatchField, FieldSpec>>

export interface CompiledMatch {
  /** The conditions in words, e.g. `environment is "production" and risk >= 50`. */
  conditions: string
  matches: (notification: Notification) => boolean
}

interface ValueTest {
  description: string
  test: (value: unknown) => boolean
}

const comparisons = {
  gt: { symbol: '>', holds: (value: number, limit: number) => value > limit },
  gte: { symbol: '>=', holds: (value: number, limit: number) => value >= limit },
  lt: { symbol: '<', holds: (value: number, limit: number) => value < limit },
  lte: { symbol: '<=', holds: (value: number, limit: number) => value <= limit }
} as const

/**
 * Compiles a route's `match` once, at load time. A list of match objects
 * matches when any of them does. A field the notification lacks (null)
 * matches no condition. Invalid regular expressions and unknown fields are
 * added to `issues`, with `path` as their prefix.
 */
export function compileMatch (spec: MatchSpec | MatchSpec[], path: string, issues: ConfigIssue[]): CompiledMatch {
  if (!Array.isArray(spec)) return compileConditions(spec, path, issues)
  const alternatives = spec.map((item, index) => compileConditions(item, `${path}/${index}`, issues))
  return {
    conditions: alternatives.map(({ conditions }) => `(${conditions})`).join(' or '),
    matches: (notification) => alternatives.some(({ matches }) => matches(notification))
  }
}

function compileConditions (spec: MatchSpec, path: string, issues: ConfigIssue[]): CompiledMatch {
  const tests: Array<{ property: keyof Notification, value: ValueTest }> = []
  const conditions: string[] = []
  for (const [field, fieldSpec] of Object.entries(spec)) {
    const property = (matchFields as Record<string, { property: keyof Notification }>)[field]?.property
    if (property === undefined) {
      issues.push({
        path: `${path}/${field}`,
        problem: `unknown match field "${field}"`,
        fix: `use one of: ${Object.keys(matchFields).join(', ')}`
      })
      continue
    }
    const value = compileField(fieldSpec as FieldSpec, `${path}/${field}`, issues)
    tests.push({ property, value })
    conditions.push(`${field} ${value.description}`)
  }
  return {
    conditions: conditions.join(' and '),
    matches: (notification) => tests.every(({ property, value }) => value.test(notification[property]))
  }
}

function compileField (spec: FieldSpec, path: string, issues: ConfigIssue[]): ValueTest {
  if (!Array.isArray(spec)) return compileValue(spec, path, issues)
  const values = spec.map((item, index) => compileValue(item, `${path}/${index}`, issues))
  const allScalar = spec.every((item) => typeof item !== 'object')
  return {
    description: allScalar
      ? `is one of ${spec.map((item) => JSON.stringify(item)).join(', ')}`
      : values.map((value) => value.description).join(' or '),
    test: (field) => values.some((value) => value.test(field))
  }
}

function compileValue (spec: ValueSpec, path: string, issues: ConfigIssue[]): ValueTest {
  if (typeof spec !== 'object') {
    return { description: `is ${JSON.stringify(spec)}`, test: (field) => field === spec }
  }
  if ('regex' in spec) return compileRegex(spec, path, issues)
  return compileThreshold(spec, path, issues)
}

/** RE2 flags of the `flags` letters; RE2 matches Unicode code points without `u`. */
const regexFlags: Record<string, number> = {
  i: RE2JS.CASE_INSENSITIVE,
  m: RE2JS.MULTILINE,
  s: RE2JS.DOTALL,
  u: 0
}

/**
 * Compiles a regular expression with RE2, whose matching time grows
 * linearly with the text. A JavaScript RegExp can backtrack for minutes on
 * a pattern such as ^(a+)+$, and routing would stall on one notification.
 */
function compileRegex (spec: RegexSpec, path: string, issues: ConfigIssue[]): ValueTest {
  let flags = spec.flags ?? ''
  if (!/^[imsu]*$/.test(flags)) {
    issues.push({ path: `${path}/flags`, problem: `invalid flags "${flags}"`, fix: 'use only i, m, s and u' })
    flags = ''
  }
  let pattern: RE2JS | null = null
  try {
    pattern = RE2JS.compile(spec.regex, [...flags].reduce((all, flag) => all | (regexFlags[flag] ?? 0), 0))
  } catch (err) {
    issues.push({
      path: `${path}/regex`,
      problem: `invalid regular expression: ${(err as Error).message}`,
      fix: 'write an RE2 regular expression, which has no backreferences or lookaround, ' +
        'with backslashes doubled inside double quotes'
    })
  }
  const compiled = pattern
  return {
    description: `matches /${spec.regex}/${flags}`,
    test: (field) => typeof field === 'string' && compiled !== null && compiled.test(field)
  }
}

function compileThreshold (spec: ThresholdSpec, path: string, issues: ConfigIssue[]): ValueTest {
  const bounds: Array<{ symbol: string, limit: number, holds: (value: number, limit: number) => boolean }> = []
  for (const [key, limit] of Object.entries(spec)) {
    const comparison = comparisons[key as keyof typeof comparisons]
    if (comparison === undefined || typeof limit !== 'number') {
      issues.push({ path: `${path}/${key}`, problem: 'invalid threshold', fix: 'use gt, gte, lt or lte with a number' })
      continue
    }
    bounds.push({ ...comparison, limit })
  }
  return {
    description: bounds.map(({ symbol, limit }) => `${symbol} ${limit}`).join(' and '),
    test: (field) => typeof field === 'number' &&
      bounds.every(({ holds, limit }) => holds(field, limit))
  }
}
