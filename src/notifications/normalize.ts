import type { Notification, SourceIp, SqreenItem } from './types.js'

// One implementation of the resend key, shared with the publisher that sets it as a header.
export { canonicalJson, contentKey } from './content-key.js'

/*
 * Turns either Sqreen format into a Notification. Sqreen's fields varied
 * between versions and types, so every reader here accepts a missing field
 * or a field of the wrong type and falls back to null or an empty list.
 * This way normalize() returns a Notification for any object.
 */

type Fields = Record<string, unknown>

function isRecord (value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function readRecord (value: unknown): Fields {
  return isRecord(value) ? value : {}
}

function readArray (value: unknown): unknown[] {
  return Array.isArray(value) ? value : []
}

/** Returns a non-blank string, or a finite number as a string. */
function readString (value: unknown): string | null {
  if (typeof value === 'string') return value.trim() === '' ? null : value
  if (typeof value === 'number' && Number.isFinite(value)) return String(value)
  return null
}

/** Returns a non-blank string. Unlike readString, it rejects numbers. */
function readText (value: unknown): string | null {
  return typeof value === 'string' ? readString(value) : null
}

function firstString (...values: unknown[]): string | null {
  for (const value of values) {
    const text = readString(value)
    if (text !== null) return text
  }
  return null
}

function readNumber (value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null
}

function readBoolean (value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null
}

/** Returns the URL normalised when it is absolute http(s), else null. */
function readHttpUrl (value: unknown): string | null {
  if (typeof value !== 'string') return null
  try {
    const url = new URL(value)
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}

function firstHttpUrl (...values: unknown[]): string | null {
  for (const value of values) {
    const url = readHttpUrl(value)
    if (url !== null) return url
  }
  return null
}

/**
 * Reads a source IP: `{address, geo: {code, city}, is_tor}` in events and
 * incidents, `{ip_cidr}` in security responses, or a bare string.
 */
function readIp (entry: unknown): SourceIp | null {
  if (!isRecord(entry)) {
    const address = readText(entry)
    return address === null ? null : { address, country: null, city: null, tor: false }
  }
  const address = readText(entry.address) ?? readText(entry.ip_cidr) ?? readText(entry.ip)
  if (address === null) return null
  const geo = readRecord(entry.geo)
  return {
    address,
    country: readText(geo.code),
    city: readText(geo.city),
    tor: entry.is_tor === true
  }
}

function readIps (body: Fields): SourceIp[] {
  const properties = readRecord(body.properties)
  const entries = [
    ...readArray(body.ips),
    ...readArray(body.new_related_ips),
    ...readArray(properties.ips)
  ]
  const byAddress = new Map<string, SourceIp>()
  for (const entry of entries) {
    const ip = readIp(entry)
    if (ip !== null && !byAddress.has(ip.address)) byAddress.set(ip.address, ip)
  }
  return [...byAddress.values()]
}

/**
 * Reads one account: a string, an account key `{name, value}`, or an
 * identifier object such as `{email}`. An object with several fields
 * becomes `key=value` pairs.
 */
function readAccount (entry: unknown): string | null {
  if (!isRecord(entry)) return readString(entry)
  if ('value' in entry) return readString(entry.value)
  const pairs = Object.entries(entry)
    .map(([key, value]) => [key, readString(value)] as const)
    .filter((pair): pair is readonly [string, string] => pair[1] !== null)
  if (pairs.length <= 1) return pairs[0]?.[1] ?? null
  return pairs.map(([key, value]) => `${key}=${value}`).join(', ')
}

function readAccounts (body: Fields): string[] {
  const properties = readRecord(body.properties)
  const entries = [
    ...readArray(body.user_identifiers),
    ...readArray(properties.user_identifiers),
    ...readArray(body.application_account_account_keys),
    body.humanized_accounts
  ]
  const accounts = entries.map(readAccount).filter((account) => account !== null)
  return [...new Set(accounts)]
}

const acronyms = new Set(['api', 'http', 'https', 'ip', 'sql', 'ssrf', 'waf', 'xss'])

/** Turns a key such as `http_scan` into words: `HTTP scan`. */
function humanizeKey (key: string): string {
  return key
    .split(/[_\s-]+/)
    .filter((word) => word !== '')
    .map((word) => acronyms.has(word.toLowerCase()) ? word.toUpperCase() : word)
    .join(' ')
}

function capitalize (text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1)
}

/** Maximum length of a type name in a title, so that the title stays one line. */
const maxTypeLength = 80

function typeLabel (type: string): string {
  return capitalize(humanizeKey(type.slice(0, maxTypeLength))) || 'Unknown'
}

function isIncident (body: Fields): boolean {
  return 'incident_status' in body || 'incident_thread' in body
}

function buildTitle (type: string, body: Fields): string {
  const kind = readString(body.event_kind)
  const status = readString(body.incident_status)
  switch (type) {
    case 'security_event':
      return kind === null ? 'Security event' : `Security event: ${humanizeKey(kind)}`
    case 'pulse':
      return firstString(body.humanized_title) ?? 'Pulse'
    case 'security_response': {
      const playbook = readString(readRecord(body.playbook).name)
      return playbook === null ? 'Security response' : `Security response: ${playbook}`
    }
    case 'test':
      return 'Test notification from Sqreen'
  }
  if (isIncident(body)) {
    const label = `${typeLabel(type)} incident`
    return status === null ? label : `${label} (${humanizeKey(status)})`
  }
  return firstString(body.humanized_title) ?? `${typeLabel(type)} notification`
}

function buildDescription (body: Fields): string | null {
  const description = readString(body.humanized_description)
  if (description !== null) return description
  const geos = readString(body.humanized_geos)
  return geos === null ? null : `From ${geos}`
}

function readFormat (item: Fields): Pick<Notification, 'type' | 'format'> & { body: Fields } {
  if ('message_type' in item) {
    const type = readText(item.message_type) ?? 'unknown'
    return { type, format: 'v2', body: readRecord(item.message) }
  }
  return { type: readText(item.sqreen_payload_type) ?? 'unknown', format: 'v1', body: item }
}

/**
 * Normalises one Sqreen notification of either format. Never throws: the
 * tests feed it odd and random objects.
 */
export function normalize (item: SqreenItem): Notification {
  const envelope = readRecord(item)
  const { type, format, body } = readFormat(envelope)
  const application = readRecord(body.application)
  const ips = readIps(body)
  return {
    type,
    format,
    id: firstString(body.event_id, body.id, body.incident_thread, envelope.message_id, envelope.id),
    date: firstString(
      body.date_occurred, body.date_started, body.date_created, envelope.date_created
    ),
    applicationId: firstString(body.application_id, application.id),
    applicationName: firstString(body.application_name, application.name),
    environment: firstString(body.environment, application.environment),
    title: buildTitle(type, body),
    description: buildDescription(body),
    eventCategory: readString(body.event_category),
    eventKind: readString(body.event_kind),
    pulseGenre: firstString(body.pulse_genre, body.pulse_category),
    risk: readNumber(body.risk_coefficient) ?? readNumber(body.risk),
    blocked: readBoolean(body.blocked),
    tor: ips.some((ip) => ip.tor),
    ips,
    accounts: readAccounts(body),
    url: firstHttpUrl(body.event_url, body.url),
    raw: item
  }
}
