import { dirname, resolve } from 'node:path'
import mustache from 'mustache'
import { ConfigError } from '../errors.js'
import { redactInvalidUrl } from '../logger.js'
import { amqpUrlProblem, configSchema, splitList, urlProblem } from '../config.js'
import { isTemplateList, templateItemFields, templateVariables, type TemplateList } from '../render/template.js'
import { emailAddressProblem, phoneNumberProblem, type FormatCheck } from './addresses.js'
import { compileRoutingTable, type RouteSpec } from './table.js'
import { routesConfigError, validateRoutesDocument, type ConfigIssue } from './schema.js'
import {
  findEncodingProblem, maxRoutesFileBytes, maxSecretFileBytes, readFileWithin
} from './text-file.js'
import { parseRoutesYaml } from './yaml.js'
import type { ReceiverSpec, ReceiverType, RoutingTable, TemplateSpec } from './types.js'

export const defaultSignatureHeader = 'X-Relay-Signature'

/** A receiver as the schema let it through: strings, string lists and a template. */
type RawReceiver = Record<string, string | string[]> & { type: ReceiverType, template?: TemplateSpec }

interface RawDocument {
  receivers: Record<string, RawReceiver>
  routes: RouteSpec[]
}

interface Context {
  env: NodeJS.ProcessEnv
  /** Directory of the routes file, against which `*_file` paths resolve. */
  directory: string
  issues: ConfigIssue[]
}

/**
 * Secret settings, by receiver type. A `whole` secret must come entirely
 * from `${VAR}` or `<key>_file`. A `url` may be written inline, but a
 * password in it must be a `${VAR}` reference.
 */
const secrets: Partial<Record<ReceiverType, { key: string, kind: 'whole' | 'url', required: boolean }>> = {
  slack: { key: 'webhook_url', kind: 'whole', required: true },
  email: { key: 'smtp_url', kind: 'url', required: true },
  sms: { key: 'auth_token', kind: 'whole', required: true },
  webhook: { key: 'secret', kind: 'whole', required: true },
  amqp: { key: 'url', kind: 'url', required: false }
}

/**
 * Headers whose value the HTTP client sets or needs for the request
 * itself, so that a signature sent in one of them would break the request
 * or never arrive.
 */
const reservedHeaders = new Set([
  'connection', 'content-length', 'content-type', 'expect', 'host', 'keep-alive',
  'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'x-relay-timestamp'
])

function signatureHeaderProblem (value: string): string | null {
  if (!reservedHeaders.has(value.toLowerCase())) return null
  return 'is a header the request needs for itself: choose another name, such as X-Relay-Signature'
}

const httpUrl: FormatCheck = (value) => urlProblem(value, ['http', 'https'])

/** Checks of values known only once `${VAR}` references are expanded. */
const formats: Record<string, FormatCheck> = {
  'slack.webhook_url': httpUrl,
  'email.smtp_url': (value) => urlProblem(value, ['smtp', 'smtps']),
  'email.from': emailAddressProblem,
  'email.to': emailAddressProblem,
  'sms.to': phoneNumberProblem,
  'sms.api_url': httpUrl,
  'webhook.url': httpUrl,
  'webhook.signature_header': signatureHeaderProblem,
  'amqp.url': amqpUrlProblem
}

/**
 * A `${NAME}` reference with the run of `$` before it. Each `$$` of the run
 * is a literal `$`, as in Compose files and Makefiles, and a `$` left over
 * makes it a reference. So `$${NAME}` is the literal text `${NAME}`.
 */
const reference = /(\$+)\{([A-Za-z_][A-Za-z0-9_]*)\}/g

/**
 * Reads a YAML routes file and returns its routing table. Secrets come from
 * `${VAR}` references to `env` or from `<key>_file` paths, relative to the
 * routes file. Throws a ConfigError that lists every problem of the file.
 */
export function loadRoutesFile (file: string, env: NodeJS.ProcessEnv): RoutingTable {
  const document = parseRoutesYaml(file, readRoutes(file))
  const schemaIssues = validateRoutesDocument(document)
  if (schemaIssues.length > 0) throw routesConfigError(file, schemaIssues)

  const { receivers, routes } = document as RawDocument
  const context = { env, directory: dirname(resolve(file)), issues: [] }
  const specs = Object.entries(receivers).map(([name, raw]) => resolveReceiver(name, raw, context))
  const table = compileRoutingTable({ receivers: specs, routes }, context.issues)
  if (context.issues.length > 0) throw routesConfigError(file, context.issues)
  return table
}

/**
 * Reads the routes file as UTF-8 text. A leading UTF-8 byte order mark is
 * accepted and dropped, so that columns count as in an editor.
 */
function readRoutes (file: string): string {
  let bytes: Buffer | null
  try {
    bytes = readFileWithin(file, maxRoutesFileBytes)
  } catch (err) {
    throw new ConfigError(`${file}: cannot read the routes file (${(err as NodeJS.ErrnoException).code}); check ROUTES_FILE`, { cause: err })
  }
  if (bytes === null) {
    throw new ConfigError(`${file}: the routes file is larger than ${maxRoutesFileBytes} bytes; ` +
      'check that ROUTES_FILE names the routes file')
  }
  const encoding = findEncodingProblem(bytes)
  if (encoding !== null) {
    const { line, column } = encoding.position
    throw routesConfigError(file, [{
      path: `line ${line}, column ${column}`,
      problem: `the file ${encoding.problem}`,
      fix: 'save the file as UTF-8'
    }])
  }
  return bytes.toString('utf8').replace(/^\ufeff/, '')
}

function resolveReceiver (name: string, raw: RawReceiver, context: Context): ReceiverSpec {
  const path = `/receivers/${name}`
  checkInlineSecret(raw, path, context)
  const settings: Record<string, string | string[]> = {}
  for (const [key, value] of Object.entries(raw)) {
    if (key === 'type' || key === 'template') continue
    if (key.endsWith('_file')) {
      readSecretFile(raw, key, `${path}/${key}`, settings, context)
    } else {
      settings[key] = expand(value as string | string[], { key, path: `${path}/${key}`, type: raw.type }, context)
    }
  }
  checkRequiredSecret(raw.type, settings, path, context)
  checkFormats(raw.type, settings, path, context)
  checkTemplate(raw.template, `${path}/template`, context)
  return toReceiverSpec(name, raw.type, { ...inheritedSettings(raw.type, context.env), ...settings }, raw.template)
}

/**
 * Settings a receiver takes from the relay's variables when the file does
 * not set them: an amqp receiver publishes on the relay's broker, and an
 * sms receiver calls the TWILIO_API_URL of the environment, like the
 * receiver the variables define.
 */
function inheritedSettings (type: ReceiverType, env: NodeJS.ProcessEnv): Record<string, string> {
  const value = (name: 'AMQP_URL' | 'TWILIO_API_URL'): string =>
    env[name] === undefined || env[name] === '' ? configSchema.properties[name].default : env[name]
  if (type === 'amqp') return { url: value('AMQP_URL') }
  if (type === 'sms') return { api_url: value('TWILIO_API_URL') }
  return {}
}

function checkInlineSecret (raw: RawReceiver, path: string, context: Context): void {
  const secret = secrets[raw.type]
  const value = secret === undefined ? undefined : raw[secret.key]
  if (secret === undefined || typeof value !== 'string') return
  const password = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:([^@/]*)@/i.exec(value)?.[1]
  const inline = secret.kind === 'whole'
    ? !/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(value)
    : password !== undefined && !/^\$\{[A-Za-z_][A-Za-z0-9_]*\}$/.test(password)
  if (!inline) return
  context.issues.push({
    path: `${path}/${secret.key}`,
    problem: secret.kind === 'whole' ? 'the secret is written inline' : 'the URL has an inline password',
    fix: secret.kind === 'whole'
      ? `use ${secret.key}: \${VAR} or ${secret.key}_file: <path>, so the secret stays out of this file`
      : `write the password as \${VAR}, or use ${secret.key}: \${VAR} or ${secret.key}_file: <path>`
  })
}

function readSecretFile (
  raw: RawReceiver,
  key: string,
  path: string,
  settings: Record<string, string | string[]>,
  context: Context
): void {
  const target = key.slice(0, -'_file'.length)
  if (raw[target] !== undefined) {
    context.issues.push({ path, problem: `both ${target} and ${key} are set`, fix: `keep only one of them` })
    return
  }
  const known = context.issues.length
  const expanded = expand(raw[key] as string, { key, path, type: raw.type }, context) as string
  settings[target] = ''
  if (context.issues.length > known) return
  const file = resolve(context.directory, expanded)
  const secret = readSecretText(file)
  if ('problem' in secret) {
    context.issues.push({ path, ...secret })
    return
  }
  settings[target] = secret.text
}

const byteOrderMark = Buffer.from('\ufeff')

/**
 * Reads a secret file as UTF-8 text without its trailing newline. Returns
 * the problem and its fix when the file is unreadable, too large, not
 * UTF-8 text or blank.
 */
function readSecretText (file: string): { text: string } | { problem: string, fix: string } {
  let bytes: Buffer | null
  try {
    bytes = readFileWithin(file, maxSecretFileBytes)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    return { problem: `cannot read ${file} (${code})`, fix: 'create the file, or fix the path' }
  }
  if (bytes === null) {
    return {
      problem: `${file} is larger than ${maxSecretFileBytes} bytes`,
      fix: 'check the path, and keep only the secret in the file'
    }
  }
  const encoding = findEncodingProblem(bytes)
  if (encoding !== null) {
    return { problem: `${file} ${encoding.problem}`, fix: 'save the file as UTF-8' }
  }
  // A byte order mark would become part of the secret, such as the key of a webhook's HMAC.
  if (bytes.subarray(0, 3).equals(byteOrderMark)) {
    return {
      problem: `${file} starts with a UTF-8 byte order mark`,
      fix: 'save the file as UTF-8 without a byte order mark'
    }
  }
  // Files written with echo or an editor end with one newline that is not part of the secret.
  const text = bytes.toString('utf8').replace(/\r?\n$/, '')
  if (text.trim() === '') {
    const problem = text === '' ? 'is empty' : 'contains only whitespace'
    return { problem: `${file} ${problem}`, fix: 'write the secret into the file' }
  }
  return { text }
}

interface Setting {
  key: string
  path: string
  type: ReceiverType
}

/**
 * Replaces each `${VAR}` with its value from the environment, and each
 * escaped `$${VAR}` with the literal `${VAR}`. A list is expanded item by
 * item.
 */
function expand (value: string | string[], setting: Setting, context: Context): string | string[] {
  if (Array.isArray(value)) {
    return value.map((item, index) =>
      expand(item, { ...setting, path: `${setting.path}/${index}` }, context) as string)
  }
  return value.replace(reference, (_, dollars: string, name: string) => {
    const escaped = '$'.repeat(Math.floor(dollars.length / 2))
    if (dollars.length % 2 === 0) return `${escaped}{${name}}`
    return escaped + resolveReference(name, setting, context)
  })
}

/**
 * Reads a referenced variable. When it is unset or empty, or only
 * whitespace in a secret setting, records an issue and returns ''.
 */
function resolveReference (name: string, setting: Setting, context: Context): string {
  const resolved = context.env[name]
  const isSecret = secrets[setting.type]?.key === setting.key
  const problem = referenceProblem(resolved, isSecret)
  if (resolved !== undefined && problem === null) return resolved
  context.issues.push({
    path: setting.path,
    problem: `environment variable ${name} ${problem}`,
    fix: isSecret ? `set ${name}, or use ${setting.key}_file` : `set ${name} in the relay's environment`
  })
  return ''
}

function referenceProblem (value: string | undefined, isSecret: boolean): string | null {
  if (value === undefined) return 'is not set'
  if (value === '') return 'is empty'
  // A blank secret is a mistake that would show only later, as a channel's
  // 401 or as an HMAC key that anyone can guess.
  if (isSecret && value.trim() === '') return 'contains only whitespace'
  return null
}

function checkRequiredSecret (
  type: ReceiverType,
  settings: Record<string, string | string[]>,
  path: string,
  context: Context
): void {
  const secret = secrets[type]
  if (secret?.required !== true || settings[secret.key] !== undefined) return
  context.issues.push({
    path,
    problem: `missing ${secret.key}`,
    fix: `set ${secret.key}: \${VAR} or ${secret.key}_file: <path>`
  })
}

function checkFormats (
  type: ReceiverType,
  settings: Record<string, string | string[]>,
  path: string,
  context: Context
): void {
  for (const [key, value] of Object.entries(settings)) {
    const format = formats[`${type}.${key}`]
    if (format === undefined) continue
    let values = [value].flat().map((item) => item.trim())
    if (key === 'to' && typeof value === 'string') values = splitList(value)
    if (values.length === 0 && value !== '') {
      context.issues.push({ path: `${path}/${key}`, problem: 'lists no recipient', fix: 'set at least one' })
    }
    values.forEach((item) => {
      if (item === '') return
      const problem = format(item)
      if (problem === null) return
      // Every secret with a format check is a URL.
      const displayedValue = secrets[type]?.key === key ? redactInvalidUrl(item) : item
      context.issues.push({ path: `${path}/${key}`, problem: `${problem} (got ${JSON.stringify(displayedValue)})`, fix: 'fix the value' })
    })
  }
}

function checkTemplate (template: TemplateSpec | undefined, path: string, context: Context): void {
  for (const [key, text] of Object.entries(template ?? {})) {
    let tokens: unknown[][]
    try {
      tokens = mustache.parse(text)
    } catch (err) {
      context.issues.push({
        path: `${path}/${key}`,
        problem: `invalid Mustache template: ${(err as Error).message}`,
        fix: 'close every {{tag}} and section'
      })
      continue
    }
    for (const tag of unsupportedTags(tokens)) {
      context.issues.push({
        path: `${path}/${key}`,
        problem: `the Mustache tag ${tag} is not supported`,
        fix: 'remove the tag, and write the text of a partial into the template itself'
      })
    }
    for (const { name, list } of unknownVariables(tokens, null)) {
      const fields = list === null ? [] : templateItemFields[list]
      context.issues.push({
        path: `${path}/${key}`,
        problem: `unknown template variable "${name}"${list === null ? '' : ` in {{#${list}}}`}`,
        fix: `use one of: ${[...fields, ...templateVariables].join(', ')}`
      })
    }
  }
}

/**
 * Token kinds of mustache.parse that renderTemplate renders: text,
 * variables, sections, comments and delimiter changes. A partial
 * (`{{>name}}`) is not among them, because the relay loads no partials
 * and Mustache renders a missing one as ''.
 */
const supportedTokens = new Set(['text', 'name', '&', '#', '^', '!', '='])

/** Returns each tag of a parsed template, at every depth, that the relay does not render. */
function unsupportedTags (tokens: unknown[][]): string[] {
  return tokens.flatMap(([kind, value, , , children]) => {
    if (!supportedTokens.has(kind as string)) return [`{{${String(kind)}${String(value)}}}`]
    return kind === '#' || kind === '^' ? unsupportedTags(children as unknown[][]) : []
  })
}

interface UnknownVariable {
  name: string
  /** The innermost list section around the name, such as `ips`, or null. */
  list: TemplateList | null
}

/**
 * Returns the names of a parsed template that the view lacks, at every
 * depth. Inside a list section, such as `{{#ips}}`, the fields of its items
 * (`{{address}}`) are known too, and `{{.}}` is the item itself. A dotted
 * name such as `{{title.length}}` is unknown: every value of the view is
 * text, a number, a flag or a list, so Mustache would look the name up
 * in JavaScript's own properties.
 */
function unknownVariables (tokens: unknown[][], list: TemplateList | null): UnknownVariable[] {
  const fields: readonly string[] = list === null ? [] : templateItemFields[list]
  // `{{.}}` is the item itself, text only in a list whose items have no fields.
  const item = list !== null && fields.length === 0 ? ['.'] : []
  const known: readonly string[] = [...item, ...fields, ...templateVariables]
  return tokens.flatMap(([kind, value, , , children]) => {
    if (!['name', '&', '{', '#', '^'].includes(kind as string)) return []
    const name = String(value)
    const own = known.includes(name) ? [] : [{ name, list }]
    if (kind !== '#' && kind !== '^') return own
    const inner = kind === '#' && isTemplateList(name) ? name : list
    return [...own, ...unknownVariables(children as unknown[][], inner)]
  })
}

function toReceiverSpec (
  name: string,
  type: ReceiverType,
  settings: Record<string, string | string[]>,
  template: TemplateSpec | undefined
): ReceiverSpec {
  const base = template === undefined ? { name } : { name, template }
  const text = (key: string): string => settings[key] as string
  const list = (key: string): string[] => {
    const value = settings[key] as string | string[]
    return typeof value === 'string' ? splitList(value) : value.map((item) => item.trim())
  }
  switch (type) {
    case 'log':
      return { ...base, type }
    case 'slack':
      return { ...base, type, webhookUrl: text('webhook_url') }
    case 'email':
      return { ...base, type, smtpUrl: text('smtp_url'), from: text('from'), to: list('to') }
    case 'sms':
      return {
        ...base,
        type,
        accountSid: text('account_sid'),
        authToken: text('auth_token'),
        from: text('from'),
        to: list('to'),
        apiUrl: text('api_url')
      }
    case 'webhook':
      return {
        ...base,
        type,
        url: text('url'),
        secret: text('secret'),
        signatureHeader: settings.signature_header as string | undefined ?? defaultSignatureHeader
      }
    case 'amqp':
      return { ...base, type, url: text('url'), exchange: text('exchange'), routingKey: text('routing_key') }
  }
}
