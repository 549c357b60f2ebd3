import { normalize } from '../notifications/normalize.js'
import type { Notification, SqreenItem } from '../notifications/types.js'
import { redactUrl } from '../logger.js'
import { compileMatch, type MatchSpec } from './matchers.js'
import { editDistance, routesConfigError, type ConfigIssue } from './schema.js'
import type { ReceiverSpec, Route, RoutingTable } from './types.js'

/** A route as written in a routes file, before compilation. */
export interface RouteSpec {
  name?: string
  /** Omitted on the catch-all route; a list matches when any item does. */
  match?: MatchSpec | MatchSpec[]
  /** Marks the catch-all route explicitly; exclusive with `match`. */
  default?: boolean
  receivers: string[]
  continue?: boolean
}

export interface RoutingDocument {
  receivers: ReceiverSpec[]
  routes: RouteSpec[]
}

/** Receivers of one notification and the names of the routes that chose them. */
export interface RouteMatch {
  receivers: string[]
  routes: string[]
}

/**
 * Compiles receivers and ordered routes into a routing table. Routes are
 * tried in order and the first match wins, unless that route sets
 * `continue: true`. The catch-all route, which must be last, takes what no
 * earlier route took.
 * Throws a ConfigError listing every issue, each prefixed with `source`.
 */
export function buildRoutingTable (document: RoutingDocument, source = 'routes'): RoutingTable {
  const issues: ConfigIssue[] = []
  const table = compileRoutingTable(document, issues)
  if (issues.length > 0) throw routesConfigError(source, issues)
  return table
}

/** Compiles a routing table, adding what is wrong to `issues` instead of throwing. */
export function compileRoutingTable (document: RoutingDocument, issues: ConfigIssue[]): RoutingTable {
  const receiverNames = checkReceiverNames(document.receivers, issues)
  const routes = document.routes.map((spec, index) => compileRoute(spec, index, receiverNames, issues))
  checkRouteNames(routes, issues)
  checkCatchAll(routes, issues)
  return {
    receivers: document.receivers,
    routes,
    route: (notification) => matchRoutes(routes, notification).receivers
  }
}

/** Receivers (each once, in route order) and route names a notification reaches. */
export function matchRoutes (routes: Route[], notification: Notification): RouteMatch {
  const receivers = new Set<string>()
  const names: string[] = []
  for (const route of routes) {
    const taken = route.catchAll ? names.length === 0 : route.matches(notification)
    if (!taken) continue
    names.push(route.name)
    for (const receiver of route.receivers) receivers.add(receiver)
    if (!route.continue) break
  }
  return { receivers: [...receivers], routes: names }
}

function checkReceiverNames (receivers: ReceiverSpec[], issues: ConfigIssue[]): string[] {
  const names = receivers.map((receiver) => receiver.name)
  names.forEach((name, index) => {
    if (names.indexOf(name) !== index) {
      issues.push({
        path: `/receivers/${name}`,
        problem: `duplicate receiver name "${name}"`,
        fix: 'give each receiver a unique name'
      })
    }
  })
  return names
}

function compileRoute (spec: RouteSpec, index: number, known: string[], issues: ConfigIssue[]): Route {
  const path = `/routes/${index}`
  if (spec.default === true && spec.match !== undefined) {
    issues.push({
      path: `${path}/default`,
      problem: 'a default route cannot have match',
      fix: 'remove match from the default route, or remove default'
    })
  }
  if (spec.receivers.length === 0) {
    issues.push({ path: `${path}/receivers`, problem: 'must not be empty', fix: 'list at least one receiver' })
  }
  spec.receivers.forEach((receiver, position) => {
    if (!known.includes(receiver)) issues.push(unknownReceiver(`${path}/receivers/${position}`, receiver, known))
  })
  const catchAll = spec.match === undefined
  const compiled = compileMatch(spec.match ?? {}, `${path}/match`, issues)
  return {
    name: spec.name ?? (catchAll ? 'default' : `route-${index + 1}`),
    conditions: compiled.conditions,
    receivers: spec.receivers,
    continue: spec.continue === true,
    catchAll,
    matches: compiled.matches
  }
}

function unknownReceiver (path: string, name: string, known: string[]): ConfigIssue {
  const close = known.find((candidate) => editDistance(candidate, name) <= 2)
  return {
    path,
    problem: `unknown receiver "${name}"`,
    fix: close === undefined
      ? `define it under receivers, or use one of: ${known.join(', ')}`
      : `did you mean "${close}"?`
  }
}

function checkRouteNames (routes: Route[], issues: ConfigIssue[]): void {
  const names = routes.map((route) => route.name)
  names.forEach((name, index) => {
    const first = names.indexOf(name)
    if (first !== index) {
      issues.push({
        path: `/routes/${index}/name`,
        problem: `duplicate route name "${name}", also used by /routes/${first}`,
        fix: 'give each route a unique name'
      })
    }
  })
}

function checkCatchAll (routes: Route[], issues: ConfigIssue[]): void {
  routes.forEach((route, index) => {
    if (route.catchAll && index !== routes.length - 1) {
      issues.push({
        path: `/routes/${index}`,
        problem: 'a route without match takes every notification left, so no route after it would run',
        fix: 'move it to the end, or give it a match'
      })
    }
  })
}

/**
 * Returns the log fields that identify a notification no route matched,
 * none of them attacker-controlled. The consumer logs them and counts it.
 */
export function describeUnmatched (notification: Notification): Record<string, string | null> {
  return {
    type: notification.type,
    format: notification.format,
    id: notification.id,
    environment: notification.environment,
    applicationId: notification.applicationId,
    applicationName: notification.applicationName
  }
}

export interface Explanation extends RouteMatch {
  /** Position of the item in the batch, from 0. */
  index: number
  type: string
}

/** Normalises each Sqreen item and returns which receivers and routes it reaches. */
export function explain (table: RoutingTable, items: SqreenItem[]): Explanation[] {
  return items.map((item, index) => {
    const notification = normalize(item)
    const match = table.routes === undefined
      ? { receivers: table.route(notification), routes: [] }
      : matchRoutes(table.routes, notification)
    return { index, type: notification.type, ...match }
  })
}

/** Renders receivers and routes as text for operators, without any secret. */
export function formatRoutingTable (table: RoutingTable): string {
  const used = new Set(table.routes?.flatMap((route) => route.receivers) ?? table.receivers.map((r) => r.name))
  const width = Math.max(...table.receivers.map((receiver) => receiver.name.length))
  const lines = ['Receivers:']
  for (const receiver of table.receivers) {
    const unused = used.has(receiver.name) ? '' : ' (no route sends to it)'
    lines.push(`  ${receiver.name.padEnd(width)}  ${receiver.type.padEnd(7)}  ${describeReceiver(receiver)}${unused}`.trimEnd())
  }
  lines.push('Routes (tried in order; the first match wins unless it has continue):')
  if (table.routes === undefined) lines.push('  (a routing function without a route list)')
  table.routes?.forEach((route, index) => lines.push(`  ${index + 1}. ${describeRoute(route)}`))
  return lines.join('\n') + '\n'
}

function describeRoute (route: Route): string {
  const when = route.catchAll ? 'every notification no route above took' : route.conditions
  const next = route.continue ? ' (continue)' : ''
  return `${route.name}${next}: ${when} -> ${route.receivers.join(', ')}`
}

function describeReceiver (receiver: ReceiverSpec): string {
  switch (receiver.type) {
    case 'log':
      return ''
    case 'slack':
      return redactUrl(receiver.webhookUrl)
    case 'email':
      return `from ${receiver.from} to ${receiver.to.join(', ')} via ${redactUrl(receiver.smtpUrl)}`
    case 'sms':
      return `from ${receiver.from} to ${receiver.to.join(', ')} via ${redactUrl(receiver.apiUrl)}`
    case 'webhook':
      return `${redactUrl(receiver.url)}, signature in ${receiver.signatureHeader}`
    case 'amqp':
      return `exchange "${receiver.exchange}", routing key "${receiver.routingKey}" on ` +
        (receiver.url === undefined ? "the relay's broker" : redactUrl(receiver.url))
  }
}
