import Mustache from 'mustache'
import type { Notification } from '../notifications/types.js'
import { cleanText } from './text.js'
import {
  cleanDescription, cleanFacts, cleanTitle, formatApplication, formatIp, formatList
} from './facts.js'

/*
 * Operator templates (a receiver's `template.subject` and `template.text`)
 * are Mustache templates rendered with this view:
 *
 *   type, format, id, date, title, description, application (name and
 *   environment), applicationId, applicationName, environment,
 *   eventCategory, eventKind, pulseGenre, risk, blocked, tor, url,
 *   ips (list of {address, country, city, tor}), ipList (one line),
 *   accounts (list of strings, use {{.}}), accountList (one line).
 *
 * Missing facts are null, so `{{#description}}…{{/description}}` shows a
 * block only when there is a description.
 */

export const templateVariables = [
  'type', 'format', 'id', 'date', 'title', 'description', 'application',
  'applicationId', 'applicationName', 'environment', 'eventCategory',
  'eventKind', 'pulseGenre', 'risk', 'blocked', 'tor', 'url', 'ips',
  'ipList', 'accounts', 'accountList'
] as const

export type TemplateVariable = typeof templateVariables[number]

/** Fields of the items of each list variable; `{{.}}` is an account itself. */
export const templateItemFields = {
  ips: ['address', 'country', 'city', 'tor'],
  accounts: []
} as const satisfies Record<string, readonly string[]>

export type TemplateList = keyof typeof templateItemFields

export function isTemplateList (name: string): name is TemplateList {
  return Object.hasOwn(templateItemFields, name)
}

type EscapeText = (text: string) => string


/** Builds the template view. Every string in it is cleaned to one line. */
export function buildTemplateView (n: Notification): Record<TemplateVariable, unknown> {
  return {
    ...cleanFacts(n),
    title: cleanTitle(n),
    description: cleanDescription(n),
    application: formatApplication(n),
    ipList: formatList(n.ips.map(formatIp)),
    accountList: formatList(n.accounts)
  } as Record<TemplateVariable, unknown>
}

/**
 * A Mustache writer that escapes `{{{name}}}` and `{{&name}}` too, because
 * every value of the view may carry attacker-controlled text and a
 * template must not be able to opt out of escaping.
 */
class EscapingWriter extends Mustache.Writer {
  readonly #escape: EscapeText

  constructor (escape: EscapeText) {
    super()
    this.#escape = escape
  }

  override unescapedValue (token: string[], context: Mustache.Context): string {
    return this.escapedValue(token, context, { escape: this.#escape })
  }
}

/** Checks a template's syntax and throws an Error naming the problem. */
export function checkTemplate (template: string): void {
  Mustache.parse(template)
}

/**
 * Renders an operator template for one channel. `escape` receives each
 * value of the view and returns it escaped for that channel. Throws when
 * the template is not valid Mustache.
 */
export function renderTemplate (
  template: string,
  n: Notification,
  escape: EscapeText
): string {
  const escapeValue = (value: unknown): string => escape(cleanText(value))
  const writer = new EscapingWriter(escapeValue)
  return writer.render(template, buildTemplateView(n), undefined, { escape: escapeValue })
}
