/*
 * JSON schemas of a webhook body. They check only what the relay relies
 * on: Sqreen's fields varied between versions, and a rejected notification
 * is a lost alert, so everything else is accepted as it comes.
 */

export const maxBatchSize = 1000

/** One notification: v2 when it has `message_type`, v1 otherwise. */
export const notificationSchema = {
  $id: 'sqreen-notification',
  type: 'object',
  if: { required: ['message_type'] },
  then: {
    required: ['message_type', 'message'],
    properties: {
      message_type: { type: 'string', minLength: 1 },
      message: { type: 'object' }
    }
  },
  else: {
    required: ['sqreen_payload_type'],
    properties: {
      sqreen_payload_type: { type: 'string', minLength: 1 }
    }
  }
} as const

export const batchSchema = {
  $id: 'sqreen-batch',
  type: 'array',
  maxItems: maxBatchSize,
  items: { $ref: 'sqreen-notification#' }
} as const

/** One error of an ajv validation, the fields the relay reads. */
export interface SchemaIssue {
  keyword: string
  instancePath: string
  message?: string
  params: Record<string, unknown>
}

/**
 * Describes why a body failed batchSchema, from the errors of a validation
 * that stopped at the first error. The message names the most precise
 * error and its JSON pointer, relative to the body as sent: without the
 * array that the relay wraps around a single object.
 */
export function describeInvalidBody (issues: SchemaIssue[], single: boolean): { message: string, pointer: string } {
  const issue = issues.find((item) => item.keyword !== 'if') ?? issues[0]
  let pointer = issue?.instancePath ?? ''
  if (issue?.keyword === 'required') pointer += `/${String(issue.params.missingProperty)}`
  if (single) pointer = pointer.replace(/^\/0(?=\/|$)/, '')
  const where = pointer === '' ? 'the body' : pointer
  const hint = 'each notification is an object with a string sqreen_payload_type (v1), ' +
    `or a string message_type and an object message (v2), at most ${maxBatchSize} per batch`
  const detail = issue?.keyword === 'required' ? 'is missing' : (issue?.message ?? 'is invalid')
  return { message: `${where} ${detail}; ${hint}`, pointer }
}

/** Deepest nesting of arrays and objects accepted in one notification. */
export const maxNestingDepth = 64

/**
 * Describes the first item nested deeper than maxNestingDepth, or returns
 * null. Sqreen's bodies are a few levels deep, and serialising or hashing
 * a deeper one recursively could overflow the stack.
 */
export function describeDeepItem (items: unknown[], single: boolean): string | null {
  const index = items.findIndex((item) => nestingDepth(item) > maxNestingDepth)
  if (index === -1) return null
  const where = single ? 'the notification' : `/${index}`
  return `${where} is nested deeper than ${maxNestingDepth} levels`
}

/** Returns the depth of arrays and objects in a parsed JSON value, without recursion. */
export function nestingDepth (value: unknown): number {
  let deepest = 0
  const pending: Array<[unknown, number]> = [[value, 0]]
  while (pending.length > 0) {
    const [current, depth] = pending.pop() as [unknown, number]
    if (current === null || typeof current !== 'object') continue
    deepest = Math.max(deepest, depth + 1)
    for (const child of Object.values(current)) pending.push([child, depth + 1])
  }
  return deepest
}
