// String.prototype.toWellFormed is in Node.js 20 but not in the ES2022 lib of the target.
/// <reference lib="es2024.string" />

/*
 * Sanitising and escaping shared by every channel. Descriptions, accounts,
 * user agents and application names are attacker-controlled, so each value
 * is cleaned before a renderer places it, and escaped for the channel.
 */

/**
 * Control characters (C0, DEL, C1) and format characters. Format characters
 * include the bidi overrides and isolates, zero-width characters and the
 * invisible tag characters, which can make text read differently from
 * what it contains.
 */
const invisibleCharacters = /[\p{Cc}\p{Cf}]/gu

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

/**
 * Shows each invisible character but line breaks and tabs, and each lone
 * surrogate, as a \u escape, so that text from elsewhere cannot move the
 * cursor, clear the screen or reorder a line in a terminal.
 */
export function escapeInvisible (text: string): string {
  return text.replace(/(?![\n\t])[\p{Cc}\p{Cf}\p{Cs}]/gu, (character) =>
    `\\u${(character.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`)
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

/**
 * Escapes text and shortens it so that the escaped result is at most `max`
 * characters long, because channel limits count the escaped text.
 */
export function truncateEscaped (
  text: string,
  max: number,
  escape: (text: string) => string
): string {
  const escaped = escape(text)
  if (escaped.length <= max) return escaped
  const ellipsis = '…'
  let result = ''
  for (const character of text) {
    const next = escape(character)
    if (result.length + next.length + ellipsis.length > max) break
    result += next
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
