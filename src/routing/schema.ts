import { Ajv, type ErrorObject } from 'ajv'
import { ConfigError } from '../errors.js'
import { matchFields } from './matchers.js'

/** One problem found in a routes document, with the setting it concerns. */
export interface ConfigIssue {
  /**
   * JSON pointer of the setting, e.g. `/routes/0/match/risk` (`/` for the
   * root), or `line 3, column 5` for a YAML syntax error.
   */
  path: string
  problem: string
  fix: string
}

/** Builds one ConfigError that lists every issue as `<source>: <path>: <problem>; <fix>`. */
export function routesConfigError (source: string, issues: ConfigIssue[]): ConfigError {
  const lines = issues.map((issue) => `${source}: ${issue.path}: ${issue.problem}; ${issue.fix}`)
  return new ConfigError(`invalid routes:\n${[...new Set(lines)].join('\n')}`)
}

/** Receiver names become queue-name suffixes, so they stay short and plain. */
export const receiverNamePattern = '^[a-z0-9][a-z0-9_-]*$'
const nameFix = 'use lower-case letters, digits, "-" and "_", starting with a letter or digit'
const name = { type: 'string', pattern: receiverNamePattern, maxLength: 64, fix: nameFix }
const text = { type: 'string', minLength: 1, fix: 'set a non-empty string' }
const path = { type: 'string', minLength: 1, fix: 'set the path of a file that contains the value' }
const addresses = {
  type: ['string', 'array'],
  minLength: 1,
  minItems: 1,
  items: text,
  fix: 'set a list of addresses, or a comma-separated string such as ${EMAIL_TO}'
}

const template = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: { subject: text, text },
  fix: 'set subject and/or text, both Mustache templates'
}

function receiver (type: string, properties: object, required: string[] = []): object {
  return {
    type: 'object',
    additionalProperties: false,
    required,
    properties: { type: { const: type }, ...properties }
  }
}

const receiverSchemas = [
  receiver('log', { template }),
  receiver('slack', { webhook_url: text, webhook_url_file: path, template }),
  receiver('email', {
    smtp_url: text, smtp_url_file: path, from: text, to: addresses, template
  }, ['from', 'to']),
  receiver('sms', {
    account_sid: text,
    auth_token: text,
    auth_token_file: path,
    from: text,
    to: { ...addresses, fix: 'set a list of E.164 numbers, or a comma-separated string' },
    api_url: text,
    template
  }, ['account_sid', 'from', 'to']),
  receiver('webhook', {
    url: text,
    secret: text,
    secret_file: path,
    signature_header: {
      type: 'string',
      pattern: "^[A-Za-z0-9!#$%&'*+.^_`|~-]+$",
      fix: 'set an HTTP header name such as X-Relay-Signature'
    }
  }, ['url']),
  receiver('amqp', {
    url: text,
    url_file: path,
    exchange: {
      type: 'string',
      pattern: '^[A-Za-z0-9_.:-]*$',
      maxLength: 127,
      fix: 'set an exchange name of letters, digits, "-", "_", "." and ":" ("" is the default exchange)'
    },
    routing_key: { type: 'string', maxLength: 255, fix: 'set a routing key of at most 255 characters' }
  }, ['exchange', 'routing_key'])
]

export const receiverTypes = ['log', 'slack', 'email', 'sms', 'webhook', 'amqp'] as const

const regex = {
  type: 'object',
  additionalProperties: false,
  required: ['regex'],
  properties: {
    regex: text,
    flags: { type: 'string', pattern: '^[imsu]*$', fix: 'use only the flags i, m, s and u' }
  }
}

const threshold = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(['gt', 'gte', 'lt', 'lte'].map((key) => [key, { type: 'number' }])),
  fix: 'set one or more of gt, gte, lt and lte to a number'
}

/**
 * Builds the schema of a field matcher: a scalar or an object form, alone
 * or in a list that matches when any item matches. The if/then chains keep
 * ajv from reporting the errors of every branch that does not apply.
 */
function valueMatcher (scalar: object, objectForm: object): object {
  const single = { if: { type: 'object' }, then: objectForm, else: scalar }
  return {
    if: { type: 'array' },
    then: { type: 'array', minItems: 1, items: single, fix: 'list at least one value' },
    else: single
  }
}

const textMatcher = valueMatcher(
  { type: 'string', fix: 'set a string (quote values that look like numbers), a list or { regex }' },
  regex
)
const numberMatcher = valueMatcher(
  { type: 'number', fix: 'set a number, a list of numbers or { gte: 50 }-style thresholds' },
  threshold
)
const booleanMatcher = { type: 'boolean', fix: 'set true or false' }

const matchObject = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: Object.fromEntries(Object.entries(matchFields).map(([field, { kind }]) =>
    [field, { text: textMatcher, number: numberMatcher, boolean: booleanMatcher }[kind]])),
  fix: 'give at least one field, or remove match to catch every notification left'
}

const match = {
  if: { type: 'array' },
  then: { type: 'array', minItems: 1, items: matchObject, fix: 'list at least one match object' },
  else: matchObject
}

const route = {
  type: 'object',
  additionalProperties: false,
  required: ['receivers'],
  properties: {
    name,
    match,
    default: { const: true, fix: 'remove default, or set it to true on the last route' },
    receivers: {
      type: 'array',
      minItems: 1,
      uniqueItems: true,
      items: name,
      fix: 'list the names of receivers defined under receivers, each once'
    },
    continue: { type: 'boolean', fix: 'set true or false' }
  }
}

export const routesSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['receivers', 'routes'],
  properties: {
    receivers: {
      type: 'object',
      minProperties: 1,
      propertyNames: { maxLength: 64, pattern: receiverNamePattern },
      additionalProperties: {
        type: 'object',
        required: ['type'],
        discriminator: { propertyName: 'type' },
        oneOf: receiverSchemas
      },
      fix: 'define receivers as a map of names to settings, e.g. ops: { type: log }'
    },
    routes: {
      type: 'array',
      minItems: 1,
      items: route,
      fix: 'list routes, e.g. - receivers: [ops]'
    }
  },
  fix: 'write a YAML map with receivers and routes'
}

const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, allowUnionTypes: true })
ajv.addKeyword({ keyword: 'fix', schemaType: 'string' })
const validateDocument = ajv.compile(routesSchema)

/** Validates a parsed routes document and returns its issues, empty when valid. */
export function validateRoutesDocument (document: unknown): ConfigIssue[] {
  if (validateDocument(document)) return []
  // ajv sets errors whenever validation fails.
  return (validateDocument.errors as ErrorObject[])
    .filter(isReported)
    .map(describeAjvError)
}

/** Drops errors that only repeat another one: the branch taken, the missing type. */
function isReported (error: ErrorObject): boolean {
  if (['if', 'propertyNames', 'oneOf'].includes(error.keyword)) return false
  return !(error.keyword === 'discriminator' && error.params.tagValue === undefined)
}

function describeAjvError (error: ErrorObject): ConfigIssue {
  const path = error.instancePath === '' ? '/' : error.instancePath
  const params = error.params as Record<string, unknown>
  const fix = (error.parentSchema as { fix?: string } | undefined)?.fix ?? 'see the example routes file'
  switch (error.keyword) {
    case 'additionalProperties':
      return unknownKey(path, String(params.additionalProperty), error.parentSchema)
    case 'required':
      return requiredKey(path, String(params.missingProperty))
    case 'discriminator':
      return {
        path,
        problem: params.error === 'tag'
          ? 'type must be a string'
          : `unknown receiver type ${JSON.stringify(params.tagValue)}`,
        fix: `set type to one of: ${receiverTypes.join(', ')}`
      }
    case 'pattern':
    case 'maxLength':
      if (error.propertyName !== undefined) return receiverName(error.propertyName)
      return { path, problem: describeLimit(error), fix }
    case 'const':
      return { path, problem: `must be ${JSON.stringify(params.allowedValue)}`, fix }
    default:
      return { path, problem: describeLimit(error), fix }
  }
}

function describeLimit (error: ErrorObject): string {
  if (error.keyword === 'pattern') return `must match ${String(error.params.pattern)}`
  const emptiness = ['minItems', 'minProperties', 'minLength']
  if (emptiness.includes(error.keyword) && error.params.limit === 1) return 'must not be empty'
  return String(error.message)
}

function requiredKey (path: string, key: string): ConfigIssue {
  const fix = key === 'type'
    ? `add type: one of ${receiverTypes.join(', ')}`
    : `add ${key}; the example routes file shows its form`
  return { path, problem: `missing required key "${key}"`, fix }
}

function receiverName (name: string): ConfigIssue {
  return {
    path: '/receivers',
    problem: `receiver name ${JSON.stringify(name)} is invalid`,
    fix: `${nameFix}, at most 64 characters`
  }
}

function unknownKey (path: string, key: string, schema: unknown): ConfigIssue {
  // Every object schema here that rejects unknown keys lists its properties.
  const known = Object.keys((schema as { properties: object }).properties)
  const tolerance = Math.max(1, Math.floor(key.length / 4))
  const close = known.find((candidate) => editDistance(candidate, key) <= tolerance)
  return {
    path,
    problem: `unknown key "${key}"`,
    fix: close === undefined
      ? `remove it; valid keys here: ${known.join(', ')}`
      : `did you mean "${close}"?`
  }
}

/**
 * Returns the edit distance between two strings, counting an insertion,
 * deletion, substitution or swap of two neighbours as one edit (optimal
 * string alignment), to suggest the key a typo meant.
 */
export function editDistance (a: string, b: string): number {
  const rows = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)))
  const at = (i: number, j: number): number => rows[i]?.[j] as number
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let distance = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, at(i - 2, j - 2) + 1)
      }
      (rows[i] as number[])[j] = distance
    }
  }
  return at(a.length, b.length)
}
