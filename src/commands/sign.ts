import { createReadStream } from 'node:fs'
import { type Command, Option } from 'commander'
import type { CliIO } from '../cli.js'
import { parseSecrets, sign } from '../signature.js'

export interface SecretOptions {
  secret?: string
}

/** Creates the --secret option of the commands that sign a body. */
export function secretOption (): Option {
  return new Option(
    '--secret <secret>',
    'signing secret, by default the first of SQREEN_WEBHOOK_SECRET ' +
      '(a value given here is visible in the process list)'
  )
}

/**
 * Returns --secret, or else the first secret of SQREEN_WEBHOOK_SECRET.
 * Ends the command with an error when neither is set.
 */
export function resolveSecret (
  command: Command,
  options: SecretOptions,
  env: NodeJS.ProcessEnv
): string {
  const secret = options.secret ?? parseSecrets(env.SQREEN_WEBHOOK_SECRET)[0]
  if (secret === undefined || secret === '') {
    command.error('error: missing secret: pass --secret or set SQREEN_WEBHOOK_SECRET')
  }
  return secret
}

/**
 * Largest file the commands sign, in bytes: far above any body the server
 * accepts (BODY_LIMIT), and a bound for a device or pipe that never ends.
 */
export const maxBodyBytes = 64 * 1024 * 1024

/**
 * Reads the exact bytes of `file`, since the signature covers the bytes and
 * not the JSON they encode. Ends the command with an error naming the file
 * when it cannot be read or is larger than maxBodyBytes.
 */
export async function readBody (command: Command, file: string): Promise<Buffer> {
  const chunks: Buffer[] = []
  let size = 0
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBodyBytes) break
      chunks.push(chunk)
    }
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException
    if (code === 'ENOENT') command.error(`error: file not found: ${file}`)
    command.error(`error: cannot read ${file}: ${message}`)
  }
  if (size > maxBodyBytes) command.error(`error: ${file} is larger than ${maxBodyBytes} bytes, more than any webhook body`)
  return Buffer.concat(chunks)
}

/** Adds `sign FILE`, which prints the X-Sqreen-Integrity value of a file. */
export function registerSign (program: Command, io: CliIO): void {
  program
    .command('sign')
    .description('print the X-Sqreen-Integrity signature of a file\'s exact bytes')
    .argument('<file>', 'request body to sign, read as raw bytes')
    .addOption(secretOption())
    .action(async (file: string, options: SecretOptions, command: Command) => {
      const secret = resolveSecret(command, options, io.env)
      const body = await readBody(command, file)
      io.stdout(`${sign(body, secret)}\n`)
    })
}
