import { readFile } from 'node:fs/promises'
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
 * Reads the exact bytes of `file`, since the signature covers the bytes and
 * not the JSON they encode. Ends the command with an error naming the file
 * when it cannot be read.
 */
export async function readBody (command: Command, file: string): Promise<Buffer> {
  try {
    return await readFile(file)
  } catch (err) {
    const { code, message } = err as NodeJS.ErrnoException
    if (code === 'ENOENT') command.error(`error: file not found: ${file}`)
    command.error(`error: cannot read ${file}: ${message}`)
  }
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
