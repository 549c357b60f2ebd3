import { Ajv } from 'ajv'
import envSchema from 'env-schema'
import { ConfigError } from './errors.js'
import { redactInvalidUrl } from './logger.js'

const logLevels = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']

/**
 * Minimum retry delay in milliseconds, of RETRY_BASE_DELAY_MS and of each
 * RETRY_TIERS_MS tier. A retry queue with a TTL of 0 would send a failed
 * delivery back at once, so its attempts would run out within moments.
 */
export const minRetryDelayMs = 10

/** Maximum delay of a Node.js timer, 2^31 - 1 ms (about 24.8 days); a longer one fires at once. */
export const maxDelayMs = 2_147_483_647

/**
 * Every environment variable the relay reads, with its type, default and
 * bounds. The server reads it through @fastify/env, the consumer and the
 * CLI through env-schema, so both programs agree on names and defaults.
 */
export const configSchema = {
  type: 'object',
  properties: {
    SQREEN_WEBHOOK_SECRET: { type: 'string', minLength: 1 },
    AMQP_URL: { type: 'string', pattern: '^amqps?://', default: 'amqp://guest:guest@127.0.0.1:5672' },
    // RabbitMQ names are at most 255 bytes, and the longest the relay
    // builds, a retry queue, adds up to 84 characters to the prefix.
    AMQP_PREFIX: { type: 'string', pattern: '^[A-Za-z0-9._-]+$', maxLength: 100, default: 'sqreen-relay' },
    HOST: { type: 'string', default: '127.0.0.1' },
    PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 3000 },
    BODY_LIMIT: { type: 'integer', minimum: 1024, default: 1048576 },
    LOG_LEVEL: { type: 'string', enum: logLevels, default: 'info' },
    PUBLISH_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: maxDelayMs, default: 5000 },
    REQUEST_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: maxDelayMs, default: 30000 },
    RETRY_AFTER_SECONDS: { type: 'integer', minimum: 1, default: 5 },
    SLACK_WEBHOOK_URL: { type: 'string', pattern: '^https?://' },
    SMTP_URL: { type: 'string', pattern: '^smtps?://' },
    EMAIL_FROM: { type: 'string', minLength: 3 },
    EMAIL_TO: { type: 'string', minLength: 3 },
    TWILIO_ACCOUNT_SID: { type: 'string', minLength: 1 },
    TWILIO_AUTH_TOKEN: { type: 'string', minLength: 1 },
    TWILIO_FROM: { type: 'string', minLength: 1 },
    SMS_TO: { type: 'string', minLength: 2 },
    TWILIO_API_URL: { type: 'string', pattern: '^https?://', default: 'https://api.twilio.com' },
    ROUTES_FILE: { type: 'string', minLength: 1 },
    CONSUMER_HOST: { type: 'string', default: '127.0.0.1' },
    CONSUMER_PORT: { type: 'integer', minimum: 0, maximum: 65535, default: 9464 },
    CONSUMER_PREFETCH: { type: 'integer', minimum: 1, maximum: 1000, default: 32 },
    DELIVERY_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: maxDelayMs, default: 10000 },
    DELIVERY_MAX_ATTEMPTS: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
    RETRY_BASE_DELAY_MS: { type: 'integer', minimum: minRetryDelayMs, maximum: maxDelayMs, default: 1000 },
    RETRY_TIERS_MS: {
      type: 'string',
      // Delays of at least 10 ms (minRetryDelayMs): after any leading zeros,
      // a non-zero digit and at least one more digit.
      pattern: '^0*[1-9][0-9]+(,0*[1-9][0-9]+)*$',
      default: '1000,5000,30000,120000,600000,1800000'
    },
    DEDUP_WINDOW_SECONDS: { type: 'integer', minimum: 0, maximum: 604800, default: 600 },
    SHUTDOWN_TIMEOUT_MS: { type: 'integer', minimum: 100, maximum: maxDelayMs, default: 10000 }
  }
} as const

export const serverConfigSchema = {
  ...configSchema,
  required: ['SQREEN_WEBHOOK_SECRET']
} as const

type Schema = typeof configSchema.properties
type ValueOf<P> = P extends { type: 'integer' } ? number : string
type WithDefault = {
  [K in keyof Schema]: Schema[K] extends { default: unknown } ? K : never
}[keyof Schema]

/** The validated environment, with defaults applied. */
export type Config = { [K in WithDefault]: ValueOf<Schema[K]> } & {
  [K in Exclude<keyof Schema, WithDefault>]?: ValueOf<Schema[K]>
}

interface EnvSchema {
  properties: Record<string, { type?: string, default?: unknown, maximum?: number }>
}

/**
 * Validates `env` against the schema and returns the typed config.
 * Throws a ConfigError naming each invalid or missing variable.
 */
export function loadConfig (
  env: NodeJS.ProcessEnv,
  schema: EnvSchema = configSchema
): Config {
  let config: Config
  try {
    config = envSchema<Config>(envSchemaOptions(env, schema))
  } catch (err) {
    throw new ConfigError(describeEnvError(err as Error, env, schema), { cause: err })
  }
  const amqpProblem = amqpUrlProblem(config.AMQP_URL)
  if (amqpProblem !== null) throw new ConfigError(`AMQP_URL ${amqpProblem}`)
  for (const [name, schemes] of Object.entries(urlSchemes)) {
    const value = (config as Record<string, unknown>)[name]
    const problem = typeof value === 'string' ? urlProblem(value, schemes) : null
    if (problem !== null) throw new ConfigError(`${name} ${problem} (got ${JSON.stringify(redactInvalidUrl(value as string))})`)
  }
  if (config.RETRY_TIERS_MS.split(',').some((tier) => Number(tier) > maxDelayMs)) {
    throw new ConfigError(`RETRY_TIERS_MS must be a comma-separated list of delays in milliseconds, each at most ${maxDelayMs} (got ${JSON.stringify(config.RETRY_TIERS_MS)})`)
  }
  return config
}

/** The URL variables other than AMQP_URL, with their schemes. */
const urlSchemes: Record<string, string[]> = {
  SLACK_WEBHOOK_URL: ['http', 'https'],
  SMTP_URL: ['smtp', 'smtps'],
  TWILIO_API_URL: ['http', 'https']
}

/**
 * Describes what keeps a URL with one of `schemes` from being used, or
 * returns null. A pattern on the scheme alone lets through a URL that the
 * HTTP or SMTP client rejects at every delivery, such as a port over 65535.
 */
export function urlProblem (value: string, schemes: string[]): string | null {
  const expected = `must be an ${schemes.map((scheme) => `${scheme}://`).join(' or ')} URL`
  if (!schemes.some((scheme) => value.toLowerCase().startsWith(`${scheme}://`))) return expected
  try {
    void new URL(value)
  } catch {
    return 'is not a valid URL: check the host, the port (at most 65535) and the percent-encoding of the path and the user and password'
  }
  return null
}

/** Query options of an AMQP URL that amqplib reads as integers. */
const amqpIntegerOptions = ['heartbeat', 'frameMax', 'channelMax', 'maxFrameSize']

/**
 * Describes what keeps amqplib from using an AMQP URL, or returns null.
 * amqplib does not check the URL itself: it connects to the default port
 * when the port is not a number, and fails at every reconnect when an
 * integer option is not one.
 */
export function amqpUrlProblem (value: string): string | null {
  if (!/^amqps?:\/\//.test(value)) return 'must be an amqp:// or amqps:// URL'
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not a valid URL: check the host, the port and the percent-encoding of the user and password'
  }
  for (const name of amqpIntegerOptions) {
    const option = url.searchParams.get(name)
    if (option !== null && !decimalDigits.test(option)) {
      return `option ${name} must be an integer in decimal digits (got ${JSON.stringify(option)})`
    }
  }
  return null
}

/** Validator with env-schema's default options, except that it coerces no types. */
const envAjv = new Ajv({
  allErrors: true,
  removeAdditional: true,
  useDefaults: true,
  coerceTypes: false,
  allowUnionTypes: true,
  addUsedSchema: false
})

/**
 * Builds the env-schema options of both ways to read the config:
 * loadConfig, and @fastify/env in the server's config plugin. Integer
 * variables are converted here, and ajv coerces nothing, because ajv would
 * turn "0x10" into 16 and accept "1e3", " 12", "+5" or "12.0".
 */
export function envSchemaOptions (env: NodeJS.ProcessEnv, schema: EnvSchema) {
  return {
    schema,
    data: parseIntegers(withoutEmpty(env), schema),
    // Only the variables given: env-schema would otherwise merge process.env.
    env: false,
    dotenv: false,
    ajv: envAjv
  }
}

const decimalDigits = /^[0-9]+$/

/**
 * Converts each integer variable written in decimal digits to a number.
 * Any other value stays a string, which the schema then rejects.
 */
function parseIntegers (env: NodeJS.ProcessEnv, schema: EnvSchema): Record<string, unknown> {
  const data: Record<string, unknown> = { ...env }
  for (const [name, property] of Object.entries(schema.properties)) {
    const value = env[name]
    if (property.type !== 'integer' || value === undefined || !decimalDigits.test(value)) continue
    const number = Number(value)
    if (Number.isSafeInteger(number)) data[name] = number
  }
  return data
}

/**
 * Drops variables set to an empty string, so that `VAR=` in a compose file
 * or an env file means unset rather than an invalid value.
 */
export function withoutEmpty (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''))
}

interface EnvError {
  instancePath: string
  keyword: string
  message?: string
  params: Record<string, unknown>
}

/**
 * Turns ajv's errors into one line, with one part per variable that names
 * the variable and the fix, e.g.
 * `PORT must be an integer in decimal digits, such as 3000 (got "abc")`.
 */
export function describeEnvError (
  err: Error & { errors?: EnvError[] },
  env: NodeJS.ProcessEnv = {},
  schema: EnvSchema = configSchema
): string {
  if (err.errors === undefined) return err.message
  return err.errors.map((error) => {
    if (error.keyword === 'required') {
      return `${String(error.params.missingProperty)} is required but not set`
    }
    const name = error.instancePath.replace(/^\//, '')
    const value = JSON.stringify(shownValue(name, env[name]))
    return `${name} ${describeProblem(name, error, env[name], schema)} (got ${value})`
  }).join('; ')
}

/** Rewords the ajv errors whose own message does not say what to write. */
function describeProblem (name: string, error: EnvError, value: string | undefined, schema: EnvSchema): string {
  if (error.keyword === 'type' && error.params.type === 'integer') {
    const property = schema.properties[name]
    // parseIntegers leaves a run of digits as a string only when it is too large.
    if (value !== undefined && decimalDigits.test(value)) {
      return `must be <= ${property?.maximum ?? Number.MAX_SAFE_INTEGER}`
    }
    const example = property?.default
    return `must be an integer in decimal digits${example === undefined ? '' : `, such as ${String(example)}`}`
  }
  if (error.keyword === 'pattern') return patternProblems[name] ?? `${error.message ?? 'is invalid'}`
  if (error.keyword === 'maxLength') return `must be at most ${String(error.params.limit)} characters long`
  if (error.keyword === 'enum') {
    return `must be one of ${(error.params.allowedValues as unknown[]).map(String).join(', ')}`
  }
  return error.message ?? 'is invalid'
}

/** Problem statements of the variables with a pattern, in words rather than the pattern. */
const patternProblems: Record<string, string> = {
  AMQP_URL: 'must be an amqp:// or amqps:// URL',
  AMQP_PREFIX: 'must hold only letters, digits, ".", "_" and "-"',
  SLACK_WEBHOOK_URL: 'must be an http:// or https:// URL',
  SMTP_URL: 'must be an smtp:// or smtps:// URL',
  TWILIO_API_URL: 'must be an http:// or https:// URL',
  RETRY_TIERS_MS: `must be a comma-separated list of delays in milliseconds, each at least ${minRetryDelayMs}`
}

/** Returns the value of an invalid variable as an error message may show it. */
function shownValue (name: string, value: string | undefined): string | undefined {
  if (/SECRET|TOKEN|PASSWORD/.test(name)) return '[redacted]'
  if (name.endsWith('_URL') && value !== undefined) return redactInvalidUrl(value)
  return value
}

export function retryTiers (config: Config): number[] {
  const tiers = config.RETRY_TIERS_MS.split(',').map(Number)
  return [...new Set(tiers)].sort((a, b) => a - b)
}

export function splitList (value: string | undefined): string[] {
  if (value === undefined) return []
  return value.split(',').map((item) => item.trim()).filter(Boolean)
}
