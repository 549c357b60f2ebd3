import type { Notification, SourceIp } from '../notifications/types.js'
import { cleanText, truncate } from './text.js'

/*
 * The facts every channel shows, in the order a responder needs them:
 * where it happened, who it came from, which accounts, then the details.
 * Values are cleaned and shortened here but not escaped: each renderer
 * escapes them for its channel.
 */

/** One labelled fact, cleaned to a single line. */
export interface Fact {
  label: string
  value: string
}

/** Maximum length of one fact value, in code points. */
export const maxValueLength = 500
/** Maximum length of the description, in code points. */
export const maxDescriptionLength = 1000
/** Maximum number of IPs or accounts listed before "and N more". */
export const maxListed = 10

/** Types whose fields the renderers know; others get extra details. */
const knownTypes = new Set(['security_event', 'pulse', 'security_response', 'test'])

/** Fields that normalize() reads, so that extra details do not repeat them. */
const normalisedFields = new Set([
  'sqreen_payload_type', 'message_type', 'message_id', 'api_version', 'retry_count',
  'application', 'application_account_account_keys', 'application_id',
  'application_name', 'blocked', 'date_created', 'date_occurred', 'date_started',
  'environment', 'event_category', 'event_id', 'event_kind', 'event_url',
  'humanized_accounts', 'humanized_description', 'humanized_geos',
  'humanized_title', 'id', 'ips', 'new_related_ips', 'playbook', 'properties',
  'pulse_category', 'pulse_genre', 'risk', 'risk_coefficient', 'url',
  'user_identifiers'
])

/** Maximum number of extra details shown for an unknown type. */
const maxExtraFacts = 8

function clean (value: unknown, max = maxValueLength): string {
  return truncate(cleanText(value), max)
}

/** Returns the cleaned string, or null for null. */
export function cleanOrNull (value: string | null): string | null {
  return value === null ? null : cleanText(value)
}

/**
 * Returns the facts that log lines and template views share, every string
 * cleaned to one line. Title and description are left to the caller,
 * which cuts them to its own length.
 */
export function cleanFacts (n: Notification): Record<string, unknown> {
  return {
    type: cleanText(n.type),
    format: n.format,
    id: cleanOrNull(n.id),
    date: cleanOrNull(n.date),
    applicationId: cleanOrNull(n.applicationId),
    applicationName: cleanOrNull(n.applicationName),
    environment: cleanOrNull(n.environment),
    eventCategory: cleanOrNull(n.eventCategory),
    eventKind: cleanOrNull(n.eventKind),
    pulseGenre: cleanOrNull(n.pulseGenre),
    risk: n.risk,
    blocked: n.blocked,
    tor: n.tor,
    ips: n.ips.map((ip) => ({
      address: cleanText(ip.address),
      country: cleanOrNull(ip.country),
      city: cleanOrNull(ip.city),
      tor: ip.tor
    })),
    accounts: n.accounts.map(cleanText),
    url: n.url
  }
}

/** Returns "Demo app (production)", or null when neither is known. */
export function formatApplication (n: Notification): string | null {
  const name = n.applicationName ?? n.applicationId
  if (name === null) return n.environment === null ? null : clean(n.environment)
  return n.environment === null ? clean(name) : clean(`${name} (${n.environment})`)
}

/** Returns "135.96.171.118 (Sag, ROU, Tor)". */
export function formatIp (ip: SourceIp): string {
  const details = [ip.city, ip.country, ip.tor ? 'Tor' : null].filter((part) => part !== null)
  const label = details.length === 0 ? ip.address : `${ip.address} (${details.join(', ')})`
  return clean(label)
}

/** Joins the first values and counts the others: "a, b and 3 more". */
export function formatList (values: string[], max = maxListed): string {
  const shown = values.slice(0, max).map((value) => clean(value)).join(', ')
  const hidden = values.length - max
  return hidden > 0 ? `${shown} and ${hidden} more` : shown
}

/** Returns the one-line title, never empty. */
export function cleanTitle (n: Notification): string {
  return clean(n.title, 200) || 'Sqreen notification'
}

/** Returns the cleaned description, or null when there is none. */
export function cleanDescription (n: Notification): string | null {
  const text = clean(n.description, maxDescriptionLength)
  return text === '' ? null : text
}

function formatEvent (n: Notification): string | null {
  const parts = [n.eventCategory, n.eventKind].filter((part) => part !== null)
  return parts.length === 0 ? null : clean(parts.join(' / '))
}

function formatBlocked (blocked: boolean | null): string | null {
  if (blocked === null) return null
  return blocked ? 'yes' : 'no'
}

function collectFacts (n: Notification): Array<[string, string | null]> {
  return [
    ['Application', formatApplication(n)],
    ['Source IPs', n.ips.length === 0 ? null : formatList(n.ips.map(formatIp))],
    ['Accounts', n.accounts.length === 0 ? null : formatList(n.accounts)],
    ['Event', formatEvent(n)],
    ['Pulse', n.pulseGenre === null ? null : clean(n.pulseGenre)],
    ['Risk', n.risk === null ? null : String(n.risk)],
    ['Blocked', formatBlocked(n.blocked)],
    ['Date', n.date === null ? null : clean(n.date)]
  ]
}

/** Returns the known facts of a notification, skipping the missing ones. */
export function buildFacts (n: Notification): Fact[] {
  return collectFacts(n)
    .filter((entry): entry is [string, string] => entry[1] !== null && entry[1] !== '')
    .map(([label, value]) => ({ label, value }))
}

/** Returns the part of the raw item that contains the fields: `message` in v2. */
function readRawBody (n: Notification): Record<string, unknown> {
  const body = n.format === 'v2' ? n.raw.message : n.raw
  return typeof body === 'object' && body !== null && !Array.isArray(body)
    ? body as Record<string, unknown>
    : {}
}

/**
 * Returns the scalar fields that normalize() does not read, for a type the
 * renderers do not know, so that a new incident type still shows its
 * details. Known types return an empty list.
 */
export function buildExtraFacts (n: Notification): Fact[] {
  if (knownTypes.has(n.type)) return []
  return Object.entries(readRawBody(n))
    .filter(([key, value]) => !normalisedFields.has(key) && isScalar(value))
    .slice(0, maxExtraFacts)
    .map(([key, value]) => ({ label: formatKey(key), value: clean(value) }))
    .filter((fact) => fact.label !== '' && fact.value !== '')
}

/** Turns a field name such as `incident_status` into a label: `Incident status`. */
function formatKey (key: string): string {
  const words = clean(key.replace(/_+/g, ' '), 60)
  return words.charAt(0).toUpperCase() + words.slice(1)
}

function isScalar (value: unknown): boolean {
  return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean'
}
