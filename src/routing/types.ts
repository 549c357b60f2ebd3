import type { Notification } from '../notifications/types.js'

/** Operator text that replaces a receiver's built-in rendering. */
export interface TemplateSpec {
  /** Mustache template of the e-mail subject. */
  subject?: string
  /** Mustache template of the message text (Slack text, SMS, e-mail text part). */
  text?: string
}

interface ReceiverBase {
  /** Unique name; also the suffix of the receiver's delivery queue. */
  name: string
  template?: TemplateSpec
}

export interface LogReceiver extends ReceiverBase {
  type: 'log'
}

export interface SlackReceiver extends ReceiverBase {
  type: 'slack'
  /** Incoming-webhook URL; its path is a credential. */
  webhookUrl: string
}

export interface EmailReceiver extends ReceiverBase {
  type: 'email'
  /** smtp:// or smtps:// URL, credentials included. */
  smtpUrl: string
  from: string
  to: string[]
}

export interface SmsReceiver extends ReceiverBase {
  type: 'sms'
  accountSid: string
  authToken: string
  from: string
  /** E.164 numbers. */
  to: string[]
  /** Base URL of the Twilio REST API. */
  apiUrl: string
}

export interface WebhookReceiver extends ReceiverBase {
  type: 'webhook'
  url: string
  /** HMAC-SHA256 key; the hex signature goes in `signatureHeader`. */
  secret: string
  signatureHeader: string
}

export interface AmqpReceiver extends ReceiverBase {
  type: 'amqp'
  /**
   * Broker to publish to. The routes-file loader sets the relay's AMQP_URL
   * when the file gives none, and the backend rejects a spec without it.
   */
  url?: string
  exchange: string
  routingKey: string
}

export type ReceiverSpec =
  | LogReceiver
  | SlackReceiver
  | EmailReceiver
  | SmsReceiver
  | WebhookReceiver
  | AmqpReceiver

export type ReceiverType = ReceiverSpec['type']

/** Picks the receivers of one notification; empty when no route matched. */
export type RouteFunction = (notification: Notification) => string[]

/** One compiled route of a routing table, in the order it is tried. */
export interface Route {
  name: string
  /** Conditions in words, e.g. `environment is "production" and risk >= 50`; empty for a catch-all. */
  conditions: string
  receivers: string[]
  /** Whether matching goes on to the next routes after this one matched. */
  continue: boolean
  /** A route without `match`: it takes the notifications no earlier route took. */
  catchAll: boolean
  matches: (notification: Notification) => boolean
}

export interface RoutingTable {
  receivers: ReceiverSpec[]
  route: RouteFunction
  /** The routes behind `route`, for check-config; absent from hand-built tables. */
  routes?: Route[]
}
