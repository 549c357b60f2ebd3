import { isUtf8 } from 'node:buffer'
import { Ajv } from 'ajv'
import { loadConfig, type Config } from '../config.js'
import { ConfigError } from '../errors.js'
import {
  batchSchema,
  describeDeepItem,
  describeInvalidBody,
  notificationSchema,
  type SchemaIssue
} from '../notifications/schema.js'
import type { SqreenItem } from '../notifications/types.js'
import { cleanText, escapeInvisible } from '../render/text.js'
import { parseSecrets } from '../signature.js'
import { loadRouting } from '../routing/load.js'
import { explain, formatRoutingTable, type Explanation } from '../routing/table.js'
import { readFileWithin } from '../routing/text-file.js'
import type { RoutingTable } from '../routing/types.js'

export interface CheckConfigOptions {
  env: NodeJS.ProcessEnv
  /** JSON file of one Sqreen notification or an array of them, to show where each would go. */
  explainFile?: string
  write: (text: string) => void
}

/** The server's validation of a webhook body, with the same ajv options. */
const validateBatch = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: false, allErrors: false })
  .addSchema(notificationSchema)
  .compile(batchSchema)

/**
 * Validates the environment and the routing (ROUTES_FILE, or the env
 * variables without it), prints the receivers and routes, and with
 * `explainFile` prints where each notification of that file would go.
 * Returns the exit code: 0 when valid, 1 with the error message otherwise.
 */
export async function runCheckConfig (options: CheckConfigOptions): Promise<number> {
  try {
    const config = loadConfig(options.env)
    const table = loadRouting(config, options.env)
    // Read the explain file before writing, so that a bad file prints only its error.
    const { explainFile } = options
    const explanations = explainFile === undefined
      ? ''
      : formatExplanations(table, explainFile, readItems(explainFile, config.BODY_LIMIT))
    options.write(describeSource(config))
    options.write(formatRoutingTable(table))
    options.write(explanations)
    return 0
  } catch (err) {
    // Loaders and readers raise ConfigError with the fix in its message. Any other
    // error is printed the same way, without a stack trace, to keep the output short.
    options.write(`error: ${(err as Error).message}\n`)
    return 1
  }
}

function describeSource (config: Config): string {
  const source = config.ROUTES_FILE === undefined
    ? 'Routing comes from the environment, because ROUTES_FILE is not set.'
    : `Routing comes from ${config.ROUTES_FILE}.`
  const lines = ['The configuration is valid.', source]
  if (parseSecrets(config.SQREEN_WEBHOOK_SECRET ?? '').length === 0) {
    lines.push('Warning: SQREEN_WEBHOOK_SECRET is not set or contains no secret, so the server will not start.')
  }
  return lines.join('\n') + '\n\n'
}

/**
 * Reads a JSON body, one notification object or an array of them as Sqreen
 * sends. Like the server, it rejects a body over BODY_LIMIT or not UTF-8,
 * and the whole batch when one notification is invalid.
 */
function readItems (file: string, bodyLimit: number): SqreenItem[] {
  let bytes: Buffer | null
  try {
    bytes = readFileWithin(file, bodyLimit)
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ConfigError(`cannot read ${file} (${code}); check the path given to explain`, { cause: err })
  }
  if (bytes === null) {
    throw new ConfigError(`the server would reject ${file} with 413: it is larger than BODY_LIMIT (${bodyLimit} bytes)`)
  }
  if (!isUtf8(bytes)) throw new ConfigError(`the server would reject ${file} with 400: its bytes are not valid UTF-8`)
  let body: unknown
  try {
    body = JSON.parse(bytes.toString('utf8'))
  } catch (err) {
    throw new ConfigError(`${file} is not valid JSON: ${escapeInvisible((err as Error).message)}`, { cause: err })
  }
  const single = body !== null && typeof body === 'object' && !Array.isArray(body)
  const items = single ? [body] : body
  const deep = Array.isArray(items) ? describeDeepItem(items, single) : null
  if (deep !== null) throw new ConfigError(`the server would reject ${file} with 422: ${deep}`)
  if (!validateBatch(items)) {
    // ajv sets errors whenever validation fails.
    const invalid = describeInvalidBody(validateBatch.errors as SchemaIssue[], single)
    throw new ConfigError(`the server would reject ${file} with 422: ${invalid.message}`)
  }
  return items as SqreenItem[]
}

function formatExplanations (table: RoutingTable, file: string, items: SqreenItem[]): string {
  const lines = [`\nNotifications of ${file}:`]
  explain(table, items).forEach((result: Explanation, index) => {
    lines.push(`  #${index} ${cleanText(result.type)} ${describeTargets(result)}`)
  })
  return lines.join('\n') + '\n'
}

function describeTargets (result: Explanation): string {
  if (result.receivers.length === 0) {
    return '-> no receiver: no route matched, so the consumer dead-letters it'
  }
  return `-> ${result.receivers.join(', ')} (route ${result.routes.join(', ')})`
}
