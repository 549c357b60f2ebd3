import { fork, spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createWriteStream } from 'node:fs'
import { createInterface } from 'node:readline'
import { createServer } from 'node:net'
import { setTimeout as delay } from 'node:timers/promises'
import { fileURLToPath } from 'node:url'
import type { LoadRequest, LoadResult } from './load.js'

/*
 * Child processes of the benchmark. The relay's server and consumer run
 * from their built entry points (dist/src/server.js, dist/src/consumer.js),
 * configured only by environment variables as in production, with
 * their pino output sent to /dev/null unless BENCH_LOG_FILE names a file
 * prefix. Reading their /proc entries needs them as separate processes.
 */

const repoRoot = fileURLToPath(new URL('..', import.meta.url))
const tsxArgs = ['--import', 'tsx']

export interface Child {
  process: ChildProcess
  pid: number
  /** Sends SIGTERM and resolves once the process has exited. */
  stop: () => Promise<void>
}

/** Finds a free TCP port on 127.0.0.1 by listening on port 0 and closing again. */
export async function freePort (): Promise<number> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const address = server.address()
  server.close()
  if (address === null || typeof address === 'string') throw new Error('no TCP port was assigned')
  return address.port
}

function wrap (child: ChildProcess, program: string): Child {
  if (child.pid === undefined) throw new Error(`${program} did not start`)
  const exited = once(child, 'exit')
  return {
    process: child,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return
      child.kill('SIGTERM')
      await exited
    }
  }
}

export interface RelayChildOptions {
  /** `server` or `consumer`: which built entry point to run. */
  program: 'server' | 'consumer'
  env: NodeJS.ProcessEnv
  /** URL that responds with 200 once the program is ready, e.g. its /readyz. */
  readyUrl: string
  /** Extra node options, e.g. --cpu-prof. */
  nodeArgs?: string[]
  /** Receives each line the program writes to standard output. */
  onOutputLine?: (line: string) => void
}

/** Starts the relay's server or consumer and waits until its readyUrl responds with 200. */
export async function startRelayChild (options: RelayChildOptions): Promise<Child> {
  const logFile = process.env.BENCH_LOG_FILE
  const stdout = logFile === undefined && options.onOutputLine === undefined ? 'ignore' : 'pipe'
  const args = [...(options.nodeArgs ?? []), `dist/src/${options.program}.js`]
  const child = spawn(process.execPath, args, {
    cwd: repoRoot,
    env: { PATH: process.env.PATH, ...options.env },
    stdio: ['ignore', stdout, 'inherit']
  })
  if (logFile !== undefined && child.stdout !== null) {
    child.stdout.pipe(createWriteStream(`${logFile}.${options.program}.${child.pid ?? 0}.log`))
  }
  if (options.onOutputLine !== undefined && child.stdout !== null) {
    createInterface({ input: child.stdout }).on('line', options.onOutputLine)
  }
  const wrapped = wrap(child, options.program)
  await waitForReady(child, options.readyUrl, options.program)
  console.error(`${options.program} ready, pid ${wrapped.pid}`)
  return wrapped
}

async function waitForReady (child: ChildProcess, url: string, program: string): Promise<void> {
  const deadline = Date.now() + 30_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`${program} exited with code ${child.exitCode} before it was ready`)
    }
    const ready = await fetch(url).then((response) => response.status === 200, () => false)
    if (ready) return
    await delay(100)
  }
  child.kill('SIGTERM')
  throw new Error(`${program} was not ready at ${url} within 30 s`)
}

/** Starts the bare Fastify route and returns it with its port. */
export async function startBareServer (): Promise<Child & { port: number }> {
  const child = fork(fileURLToPath(new URL('bare-server.ts', import.meta.url)), {
    execArgv: tsxArgs,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc']
  })
  const [message] = await once(child, 'message') as [{ port: number }]
  return { ...wrap(child, 'bare server'), port: message.port }
}

/**
 * Runs one autocannon measurement in a child process. `onMeasuring` runs
 * when the warm-up is over and the measured run starts.
 */
export async function runLoadChild (
  request: LoadRequest,
  onMeasuring: (pid: number) => void
): Promise<LoadResult> {
  const child = fork(fileURLToPath(new URL('load.ts', import.meta.url)), {
    execArgv: tsxArgs,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc']
  })
  const pid = child.pid ?? 0
  return await new Promise((resolve, reject) => {
    child.on('message', (message: { type: string, result?: LoadResult, message?: string }) => {
      if (message.type === 'measuring') onMeasuring(pid)
      else if (message.type === 'result' && message.result !== undefined) resolve(message.result)
      else reject(new Error(`the load generator failed: ${message.message ?? 'no details'}`))
    })
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`the load generator exited with code ${String(code)}`))
    })
    child.send(request)
  })
}
