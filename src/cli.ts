#!/usr/bin/env node
import { readFileSync, realpathSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { Command, CommanderError } from 'commander'
import { runCheckConfig } from './commands/check-config.js'
import { registerDeadLetters } from './commands/dead-letters.js'
import { registerRun } from './commands/run.js'
import { registerSend } from './commands/send.js'
import { registerSign } from './commands/sign.js'

/** Output writers and environment of one CLI run. */
export interface CliIO {
  stdout: (text: string) => void
  stderr: (text: string) => void
  env: NodeJS.ProcessEnv
}

/**
 * Builds the `sqreen-relay` program. Commands throw a CommanderError in
 * place of calling process.exit, so tests can run them in-process. runCli
 * turns that error into the exit code.
 */
export function buildProgram (io: CliIO): Command {
  const program = new Command('sqreen-relay')
    .description('Relay signed Sqreen webhooks through RabbitMQ to Slack, e-mail, SMS and more')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({ writeOut: io.stdout, writeErr: io.stderr })
    .exitOverride()

  // Each command module adds its command with one line, and inherits the
  // output and exit settings above because it uses program.command().
  registerSign(program, io)
  registerSend(program, io)
  registerRun(program, io)
  registerCheckConfig(program, io)
  registerDeadLetters(program, io)
  return program
}

interface CheckConfigFlags {
  explain?: string
}

/**
 * Adds `check-config`, which validates the environment and the routes
 * without connecting to the broker.
 */
function registerCheckConfig (program: Command, io: CliIO): void {
  program
    .command('check-config')
    .description('validate the environment and routes, and print the receivers and routes')
    .option('--explain <file>', 'JSON body of Sqreen notifications: print where each would go')
    .action(async (flags: CheckConfigFlags) => {
      // runCheckConfig has one writer, so its error line goes to stdout too.
      const exitCode = await runCheckConfig({
        env: io.env,
        explainFile: flags.explain,
        write: io.stdout
      })
      if (exitCode !== 0) {
        throw new CommanderError(exitCode, 'sqreen-relay.check-config', 'invalid configuration')
      }
    })
}

/** Reads the version from package.json, found from src/ and from dist/src/. */
function packageVersion (): string {
  for (const path of ['../package.json', '../../package.json']) {
    try {
      const { name, version } = JSON.parse(readFileSync(new URL(path, import.meta.url), 'utf8')) as { name?: string, version?: string }
      if (name === 'sqreen-relay' && version !== undefined) return version
    } catch {
      // Not at this level: the other one is tried.
    }
  }
  return 'unknown'
}

/**
 * Runs the program on `argv` (the arguments after the script name) and
 * returns the exit code. Each user error is printed as one line by its
 * command. Any other error is a bug and is thrown with its stack.
 */
export async function runCli (argv: string[], io: CliIO): Promise<number> {
  try {
    await buildProgram(io).parseAsync(argv, { from: 'user' })
    return 0
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode
    throw err
  }
}

// npx starts the CLI through a symbolic link in node_modules/.bin, so the
// script path is resolved before comparing it with this module's path.
function isEntryPoint (): boolean {
  const script = process.argv[1]
  if (script === undefined) return false
  try {
    return realpathSync(script) === fileURLToPath(import.meta.url)
  } catch {
    return false
  }
}

/**
 * Ignores a closed output pipe, as in `sqreen-relay dead-letters list | head`,
 * so that the command still finishes its work (a replay, a send) and exits
 * with its own code instead of a stack trace.
 */
export function ignoreClosedPipe (err: NodeJS.ErrnoException): void {
  if (err.code === 'EPIPE' || err.code === 'ERR_STREAM_DESTROYED') return
  throw err
}

if (isEntryPoint()) {
  process.stdout.on('error', ignoreClosedPipe)
  process.exitCode = await runCli(process.argv.slice(2), {
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    env: process.env
  })
}
