import type { Logger } from 'pino'
import { ConfigError } from '../src/errors.js'
import type { ReceiverSpec, ReceiverType } from '../src/routing/types.js'
import { createAmqpBackend } from './amqp.js'
import type { Backend, BackendFactory } from './backend.js'
import { createEmailBackend } from './email.js'
import { createLogBackend } from './log.js'
import { createSlackBackend } from './slack.js'
import { createSmsBackend } from './sms.js'
import { createWebhookBackend } from './webhook.js'

type FactoryOf<Type extends ReceiverType> = BackendFactory<Extract<ReceiverSpec, { type: Type }>>

/** One factory per receiver type; a new backend adds its line here. */
const factories: { [Type in ReceiverType]?: FactoryOf<Type> } = {
  amqp: createAmqpBackend,
  email: createEmailBackend,
  log: createLogBackend,
  slack: createSlackBackend,
  sms: createSmsBackend,
  webhook: createWebhookBackend
}

export interface BackendDefaults {
  /** Time allowed for one request to the channel, in milliseconds. */
  timeoutMs?: number
}

/**
 * Creates the backend of a receiver, with a child logger that names the
 * receiver and the backend. Throws a ConfigError for a type that has no
 * backend, or for settings the backend cannot use. The error names the
 * receiver but not the settings, because they may contain credentials.
 */
export function createBackend (spec: ReceiverSpec, logger: Logger, defaults: BackendDefaults = {}): Backend {
  // The map pairs each type with its factory, which TypeScript cannot follow through a lookup.
  const factory = factories[spec.type] as BackendFactory<ReceiverSpec> | undefined
  if (factory === undefined) {
    const known = Object.keys(factories).join(', ')
    throw new ConfigError(
      `Receiver "${spec.name}" has type "${spec.type}", which has no backend: use one of ${known}`
    )
  }
  try {
    return factory({ ...defaults, ...spec }, logger.child({ receiver: spec.name, backend: spec.type }))
  } catch (err) {
    if (err instanceof ConfigError) throw err
    const reason = err instanceof Error ? err.message : String(err)
    throw new ConfigError(`Receiver "${spec.name}" (${spec.type}) has invalid settings: ${reason}`)
  }
}
