import type { Notification } from '../notifications/types.js'
import type { TemplateSpec } from '../routing/types.js'
import {
  buildExtraFacts, buildFacts, cleanDescription, cleanTitle, formatApplication, type Fact
} from './facts.js'
import { renderTemplate } from './template.js'
import { cleanLines, cleanText, escapeHtml, httpUrl, truncate } from './text.js'

/*
 * E-mail with a text part and an HTML part that carry the same facts.
 * Every value in the HTML part is HTML-escaped, and every value anywhere
 * is cleaned of control and format characters, so no line break of a
 * value can reach the subject header.
 */

export interface EmailMessage {
  subject: string
  text: string
  html: string
}

/** Maximum subject length, in code points. */
const maxSubjectLength = 160

function buildSubject (n: Notification): string {
  const application = formatApplication(n)
  const subject = application === null
    ? `[Sqreen] ${cleanTitle(n)}`
    : `[Sqreen] ${cleanTitle(n)} - ${application}`
  return truncate(subject, maxSubjectLength)
}

function buildText (n: Notification, facts: Fact[], url: string | null): string {
  const description = cleanDescription(n)
  const sections = [
    cleanTitle(n),
    description,
    facts.map((fact) => `${fact.label}: ${fact.value}`).join('\n'),
    url === null ? null : `Open in Sqreen: ${url}`
  ]
  return sections.filter((section) => section !== null && section !== '').join('\n\n') + '\n'
}

function htmlRow (fact: Fact): string {
  return `<tr><th align="left" valign="top">${escapeHtml(fact.label)}</th>` +
    `<td>${escapeHtml(fact.value)}</td></tr>`
}

function htmlDocument (subject: string, body: string[]): string {
  return [
    '<!DOCTYPE html>',
    '<html><head><meta charset="utf-8">',
    `<title>${escapeHtml(subject)}</title></head>`,
    '<body style="font-family: sans-serif">',
    ...body,
    '</body></html>',
    ''
  ].join('\n')
}

function buildHtml (n: Notification, subject: string, facts: Fact[], url: string | null): string {
  const description = cleanDescription(n)
  const body = [`<h1>${escapeHtml(cleanTitle(n))}</h1>`]
  if (description !== null) body.push(`<p>${escapeHtml(description)}</p>`)
  if (facts.length > 0) body.push('<table cellpadding="4">', ...facts.map(htmlRow), '</table>')
  if (url !== null) body.push(`<p><a href="${escapeHtml(url)}">Open in Sqreen</a></p>`)
  return htmlDocument(subject, body)
}

/** Turns a template's text part into HTML paragraphs, escaping all of it. */
function textToHtml (text: string): string[] {
  return text.split(/\n{2,}/).map((paragraph) =>
    `<p>${paragraph.split('\n').map(escapeHtml).join('<br>\n')}</p>`)
}

function renderTemplateSubject (n: Notification, template: string): string {
  const subject = cleanText(renderTemplate(template, n, cleanText))
  return subject === '' ? buildSubject(n) : truncate(subject, maxSubjectLength)
}

/**
 * Renders a notification as an e-mail. A template's `subject` and `text`
 * replace the built-in subject and text part, and the HTML part then shows
 * the template's text, escaped.
 */
export function renderEmail (n: Notification, template?: TemplateSpec): EmailMessage {
  const url = httpUrl(n.url)
  const subject = template?.subject === undefined
    ? buildSubject(n)
    : renderTemplateSubject(n, template.subject)
  if (template?.text === undefined) {
    const facts = [...buildFacts(n), ...buildExtraFacts(n)]
    return { subject, text: buildText(n, facts, url), html: buildHtml(n, subject, facts, url) }
  }
  const text = cleanLines(renderTemplate(template.text, n, cleanText)) + '\n'
  return { subject, text, html: htmlDocument(subject, textToHtml(text.trim())) }
}
