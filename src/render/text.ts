// String.prototype.toWellFormed is in Node.js 20 but not in the ES2022 lib of the target.
/// <reference lib="es2024.string" />

/*
 * Sanitising and escaping shared by every channel. Descriptions, accounts,
 * user agents and application names are attacker-controlled, so each value
 * is cleaned before a renderer places it, and escaped for the channel.
 */

/**
 * Invisible characters, which can make text read differently from what it
 * contains. They are the control characters (C0, DEL, C1), the format
 * characters (bidi overrides and isolates, zero-width characters, tag
 * characters) and the other default-ignorable code points (Hangul fillers,
 * the combining grapheme joiner, variation selectors). Two blank symbols
 * that Unicode does not class as ignorable are added: U+2800 BRAILLE
 * PATTERN BLANK and U+1D159 MUSICAL SYMBOL NULL NOTEHEAD. Whitespace, such
 * as U+3000, is not listed, because cleanText turns it into a space first
 * and escapeInvisible shows it as a gap.
 *
 * One exception keeps emoji as they look: variation selector 15 or 16
 * (U+FE0E, U+FE0F) right after an emoji, where it picks text or emoji
 * presentation. Without U+FE0F, the red heart U+2764 U+FE0F shows as a
 * black heart symbol in many fonts. Every other variation selector is
 * removed, because a run of them can carry hidden data. Zero-width joiners
 * are removed too, so a joined emoji sequence, such as a family, shows as
 * its separate emoji.
 */
const invisible = String.raw`(?![\uFE0E\uFE0F])` +
  String.raw`[\p{Cc}\p{Cf}\p{Default_Ignorable_Code_Point}\u2800\u{1D159}]` +
  String.raw`|(?<!\p{Emoji})[\uFE0E\uFE0F]`

const invisibleCharacters = new RegExp(invisible, 'gu')

/**
 * Returns a value as one line of visible text: line breaks and other
 * whitespace become single spaces, invisible characters are removed, and
 * each lone UTF-16 surrogate (a JSON escape such as \ud800 without its
 * pair) becomes U+FFFD, because UTF-8 cannot encode it.
 */
export function cleanText (value: unknown): string {
  return String(value ?? '')
    .toWellFormed()
    .replace(/\s+/gu, ' ')
    .replace(invisibleCharacters, '')
    .replace(/ {2,}/g, ' ')
    .trim()
}

const invisibleOrSurrogate = new RegExp(String.raw`(?![\n\t])(?:${invisible}|\p{Cs})`, 'gu')

/**
 * Shows each invisible character but line breaks and tabs, and each lone
 * surrogate, as a \u escape (\u{…} above U+FFFF), so that text from
 * elsewhere cannot move the cursor, clear the screen or reorder a line in
 * a terminal.
 */
export function escapeInvisible (text: string): string {
  return text.replace(invisibleOrSurrogate, (character) => {
    const hex = (character.codePointAt(0) ?? 0).toString(16)
    return hex.length > 4 ? `\\u{${hex}}` : `\\u${hex.padStart(4, '0')}`
  })
}

/**
 * Replaces each run of characters outside printable ASCII with a space, so
 * that a peer's reply quoted in an error or a log line carries no control
 * characters.
 */
export function printableAscii (text: string): string {
  return text.replace(/[^\x20-\x7e]+/g, ' ').trim()
}

/** Cleans each line of a text whose line breaks the relay put there itself. */
export function cleanLines (text: string): string {
  return text.split(/\r?\n/).map(cleanText).join('\n').trim()
}

/** Shortens text to at most `max` code points, ending it with `ellipsis`. */
export function truncate (text: string, max: number, ellipsis = '…'): string {
  const characters = Array.from(text)
  if (characters.length <= max) return text
  const kept = Math.max(0, max - Array.from(ellipsis).length)
  return characters.slice(0, kept).join('').trimEnd() + ellipsis
}

/** An entity that escapeSlack writes, or any other code point. */
const slackUnits = /&(?:amp|lt|gt);|[\s\S]/gu

/**
 * Shortens Slack-escaped text to at most `max` UTF-16 code units (string
 * length), ending it with an ellipsis, because channel limits count the
 * escaped text. It cuts between code points and never inside an &amp;,
 * &lt; or &gt; entity, which would show as broken text.
 */
export function truncateSlack (escaped: string, max: number): string {
  if (escaped.length <= max) return escaped
  const ellipsis = '…'
  let result = ''
  for (const [unit] of escaped.matchAll(slackUnits)) {
    if (result.length + unit.length + ellipsis.length > max) break
    result += unit
  }
  return result.trimEnd() + ellipsis
}

/** Escapes the three characters that Slack parses as markup: & < >. */
export function escapeSlack (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

const htmlEntities = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;'
} as const

type HtmlSpecial = keyof typeof htmlEntities

export function escapeHtml (text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEntities[character as HtmlSpecial])
}

/**
 * Maximum length of a link the renderers show, in characters. Slack
 * rejects a message whose button URL exceeds 3000 characters, and a link
 * cut short leads nowhere, so a longer one is left out.
 */
export const maxUrlLength = 2000

/**
 * Returns the URL when it is absolute http(s) and at most maxUrlLength
 * characters long, else null. Renderers check again because a Notification
 * may come from elsewhere than normalize().
 */
export function httpUrl (value: string | null): string | null {
  if (value === null) return null
  try {
    const url = new URL(value)
    if (url.href.length > maxUrlLength) return null
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null
  } catch {
    return null
  }
}
