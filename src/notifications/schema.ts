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
