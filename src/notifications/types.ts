/** One notification item exactly as Sqreen sent it, either format. */
export type SqreenItem = Record<string, unknown>

/** A source IP address of an event, with what Sqreen knew about it. */
export interface SourceIp {
  address: string
  /** ISO 3166 alpha-3 country code as Sqreen sends it, e.g. `FRA`. */
  country: string | null
  city: string | null
  tor: boolean
}

/**
 * The internal shape both Sqreen formats are normalised into. Routing
 * matchers and renderers read only this. Every field other than `type`,
 * `format` and `raw` may be missing from what Sqreen sent, and is then null
 * or empty. Strings come from Sqreen unescaped, and several of them
 * (description, accounts, user agents) are attacker-controlled.
 */
export interface Notification {
  /** `security_event`, `pulse`, `security_response`, `test` or an incident type. */
  type: string
  format: 'v1' | 'v2'
  /** Sqreen's id of the event, pulse or message, when it sent one. */
  id: string | null
  /** When it happened (ISO 8601), or when Sqreen created the message. */
  date: string | null
  applicationId: string | null
  applicationName: string | null
  environment: string | null
  /** One line saying what happened, for subjects and SMS. */
  title: string
  /** Longer text from Sqreen, attacker-controlled. */
  description: string | null
  eventCategory: string | null
  eventKind: string | null
  pulseGenre: string | null
  /** Sqreen's risk score when it sent one (0 to 100 in captured bodies). */
  risk: number | null
  blocked: boolean | null
  /** True when any source IP is a Tor exit node. */
  tor: boolean
  ips: SourceIp[]
  /** User identifiers and account keys involved, attacker-controlled. */
  accounts: string[]
  /** Link to the Sqreen dashboard page of this notification. */
  url: string | null
  raw: SqreenItem
}
