import type { Notification } from '../notifications/types.js'
import type { TemplateSpec } from '../routing/types.js'
import {
  buildExtraFacts, buildFacts, cleanDescription, cleanTitle, type Fact
} from './facts.js'
import { renderTemplate } from './template.js'
import { cleanLines, escapeSlack, httpUrl, truncateSlack } from './text.js'

/*
 * Slack incoming-webhook payload with Block Kit blocks. Every text object
 * is plain_text, without emoji where it can carry attacker data, and the
 * top-level text is not mrkdwn, so Slack formats none of the attacker's
 * text. mrkdwn has no escape for `*`, `_`, `~`, backticks or `:emoji:`, so
 * plain text is the only way to show them as typed. Text is also escaped
 * (& < >) so that `<!channel>`, `<@U123>` or `<https://x.example|click>`
 * show as text instead of a mention or a disguised link.
 */

/** A Block Kit text object, always plain_text because the relay sends no mrkdwn. */
export interface SlackText {
  type: 'plain_text'
  text: string
  emoji?: boolean
}

export type SlackBlock =
  | { type: 'header', text: SlackText }
  | { type: 'section', text?: SlackText, fields?: SlackText[] }
  | { type: 'actions', elements: SlackButton[] }

export interface SlackButton {
  type: 'button'
  action_id: string
  text: SlackText
  url: string
}

export interface SlackMessage {
  /** Fallback shown in notifications and by old clients. */
  text: string
  /**
   * Always false, so that Slack does not format `text` as mrkdwn and `*`,
   * `_` or `~` in attacker text show as typed.
   */
  mrkdwn: false
  blocks: SlackBlock[]
  /** False so that Slack does not fetch attacker-supplied links for previews. */
  unfurl_links: false
  unfurl_media: false
}

/**
 * Block Kit limits, in UTF-16 code units (string length) of the escaped
 * text. A text never has more code points than code units, so it fits
 * whether Slack counts the one or the other.
 */
const limits = { header: 150, text: 3000, field: 2000, fields: 10, fallback: 3000 }

function plainText (text: string, max: number): SlackText {
  return { type: 'plain_text', text: truncateSlack(escapeSlack(text), max), emoji: false }
}

function factSection (facts: Fact[]): SlackBlock {
  return {
    type: 'section',
    fields: facts.map((fact) => plainText(`${fact.label}\n${fact.value}`, limits.field))
  }
}

function linkBlock (url: string | null): SlackBlock[] {
  if (url === null) return []
  const button: SlackButton = {
    type: 'button',
    action_id: 'open_in_sqreen',
    text: { type: 'plain_text', text: 'Open in Sqreen' },
    url
  }
  return [{ type: 'actions', elements: [button] }]
}

function factBlocks (facts: Fact[]): SlackBlock[] {
  const blocks: SlackBlock[] = []
  for (let start = 0; start < facts.length; start += limits.fields) {
    blocks.push(factSection(facts.slice(start, start + limits.fields)))
  }
  return blocks
}

/** Builds the plain-text fallback: title, description, facts and link. */
function fallbackText (n: Notification, facts: Fact[], url: string | null): string {
  const lines = [
    cleanTitle(n),
    cleanDescription(n),
    ...facts.map((fact) => `${fact.label}: ${fact.value}`),
    url
  ].filter((line) => line !== null)
  return truncateSlack(escapeSlack(lines.join('\n')), limits.fallback)
}

function descriptionBlock (n: Notification): SlackBlock[] {
  const description = cleanDescription(n)
  if (description === null) return []
  return [{ type: 'section', text: plainText(description, limits.text) }]
}

function renderBuiltIn (n: Notification, url: string | null): SlackMessage {
  const facts = [...buildFacts(n), ...buildExtraFacts(n)]
  const blocks: SlackBlock[] = [
    { type: 'header', text: plainText(cleanTitle(n), limits.header) },
    ...descriptionBlock(n),
    ...factBlocks(facts),
    ...linkBlock(url)
  ]
  return { text: fallbackText(n, facts, url), mrkdwn: false, blocks, unfurl_links: false, unfurl_media: false }
}

function renderWithTemplate (n: Notification, template: string, url: string | null): SlackMessage {
  const rendered = truncateSlack(cleanLines(renderTemplate(template, n, escapeSlack)), limits.text)
  const text = rendered === '' ? escapeSlack(cleanTitle(n)) : rendered
  const blocks: SlackBlock[] = [
    { type: 'section', text: { type: 'plain_text', text, emoji: false } },
    ...linkBlock(url)
  ]
  return { text, mrkdwn: false, blocks, unfurl_links: false, unfurl_media: false }
}

/**
 * Renders a notification as a Slack message. A template's `text` replaces
 * the built-in blocks and is shown as plain text, the operator's text and
 * the values alike, because a value could otherwise bring its own mrkdwn.
 * Every value is escaped for Slack.
 */
export function renderSlack (n: Notification, template?: TemplateSpec): SlackMessage {
  const url = httpUrl(n.url)
  return template?.text === undefined
    ? renderBuiltIn(n, url)
    : renderWithTemplate(n, template.text, url)
}
