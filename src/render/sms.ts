import { SegmentedMessage } from 'sms-segments-calculator'
import type { Notification } from '../notifications/types.js'
import type { TemplateSpec } from '../routing/types.js'
import { cleanDescription, cleanTitle, formatApplication, formatIp, formatList } from './facts.js'
import { renderTemplate } from './template.js'
import { cleanLines, cleanText, httpUrl, truncate } from './text.js'

/*
 * One SMS segment: 160 GSM-7 characters, or fewer when the text contains
 * characters of the GSM-7 extension table, which take two. The message is
 * always GSM-7, because a single character outside it (an emoji in an
 * attacker-chosen account name, say) would switch the whole message to
 * UCS-2 and cut a segment to 70 characters.
 */

const ellipsis = '...'
/** Minimum length in code points of a shortened part; a shorter one is left out. */
const minShortenedLength = 16

interface SmsPart {
  text: string
  /** False for a URL, which is useless once cut. */
  shortenable: boolean
}

function isGsm (text: string): boolean {
  return new SegmentedMessage(text).getNonGsmCharacters().length === 0
}

/** Returns the character without its accents when that makes it GSM-7, else '?'. */
function foldCharacter (character: string): string {
  const folded = character.normalize('NFD').replace(/\p{M}/gu, '')
  return folded !== '' && isGsm(folded) ? folded : '?'
}

/**
 * Rewrites text into the GSM-7 alphabet: Twilio's smart-encoding table
 * first (curly quotes, dashes, ellipsis), then accent folding, then '?'
 * for what is left.
 */
export function toGsm (text: string): string {
  const message = new SegmentedMessage(text, 'auto', true)
  const outside = new Set(message.getNonGsmCharacters())
  return message.graphemes
    .map((grapheme) => outside.has(grapheme) ? foldCharacter(grapheme) : grapheme)
    .join('')
}

/** True when the text is GSM-7 and fits in one segment. */
export function fitsOneSegment (text: string): boolean {
  const message = new SegmentedMessage(text)
  return message.encodingName === 'GSM-7' && message.segmentsCount === 1
}

/**
 * Appends the longest shortened form of `part` that keeps the message in
 * one segment, or returns the message unchanged when none does.
 */
function appendShortened (message: string, part: string): string {
  let low = 0
  let high = Array.from(part).length - 1
  let best = message
  while (low <= high) {
    const length = Math.floor((low + high) / 2)
    const candidate = joinLines(message, truncate(part, length, ellipsis))
    if (fitsOneSegment(candidate)) {
      best = candidate
      low = length + 1
    } else {
      high = length - 1
    }
  }
  return best
}

function joinLines (message: string, line: string): string {
  return message === '' ? line : `${message}\n${line}`
}

/**
 * Adds the parts in order while the message fits in one segment. A part
 * that does not fit is shortened when enough of it remains, else left out
 * so that the later, shorter parts still get their chance.
 */
function composeSegment (parts: SmsPart[]): string {
  let message = ''
  for (const part of parts) {
    const text = toGsm(part.text)
    const whole = joinLines(message, text)
    if (fitsOneSegment(whole)) {
      message = whole
      continue
    }
    if (!part.shortenable) continue
    const shortened = appendShortened(message, text)
    const addedLength = Array.from(shortened).length - Array.from(message).length
    if (addedLength >= minShortenedLength) message = shortened
  }
  return message
}

function buildParts (n: Notification): SmsPart[] {
  const application = formatApplication(n)
  const url = httpUrl(n.url)
  const texts: Array<string | null> = [
    `Sqreen: ${cleanTitle(n)}`,
    application,
    cleanDescription(n),
    n.ips.length === 0 ? null : `IP ${formatList(n.ips.map(formatIp), 1)}`,
    n.accounts.length === 0 ? null : `Account ${formatList(n.accounts, 1)}`
  ]
  const parts = texts
    .filter((text) => text !== null)
    .map((text) => ({ text, shortenable: true }))
  return url === null ? parts : [...parts, { text: url, shortenable: false }]
}

/**
 * Renders a notification as the body of one SMS segment. A template's
 * `text` replaces the built-in text. Its values are cleaned to one line
 * each, then the result is converted to GSM-7 and cut to one segment.
 */
export function renderSms (n: Notification, template?: TemplateSpec): string {
  if (template?.text === undefined) return composeSegment(buildParts(n))
  const rendered = toGsm(cleanLines(renderTemplate(template.text, n, cleanText)))
  if (fitsOneSegment(rendered)) return rendered
  // NOTE: an operator template longer than one segment is cut, never split.
  return appendShortened('', rendered)
}
