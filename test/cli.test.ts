import { execFile } from 'node:child_process'
import { once } from 'node:events'
import { symlink } from 'node:fs/promises'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import type { Command } from 'commander'
import { test, type Test } from 'tap'
import { buildProgram, ignoreClosedPipe, runCli } from '../src/cli.js'
import { consumerVariables, serverVariables } from '../src/commands/run.js'
import { configSchema } from '../src/config.js'
import { verifySignature } from '../src/signature.js'
import { fixtureDir, readFixture, signedVectors } from './fixtures/sqreen.js'

const vectors = signedVectors()
const [first] = vectors
if (first === undefined) throw new Error('signed-vectors.json has no vectors')
const firstPath = join(fixtureDir, first.file)

async function run (argv: string[], env: NodeJS.ProcessEnv = {}) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(argv, {
    stdout: (text) => { stdout += text },
    stderr: (text) => { stderr += text },
    env
  })
  return { code, stdout, stderr }
}

interface ReceivedRequest {
  method?: string
  url?: string
  contentType?: string
  body: Buffer
}

type Handler = (request: IncomingMessage, body: Buffer, response: ServerResponse) => void

/** Starts a loopback HTTP server and returns the URL of its webhook path. */
async function startServer (t: Test, handler: Handler) {
  const received: ReceivedRequest[] = []
  const server = createServer((request, response) => {
    const chunks: Buffer[] = []
    request.on('data', (chunk: Buffer) => chunks.push(chunk))
    request.on('end', () => {
      const body = Buffer.concat(chunks)
      received.push({
        method: request.method,
        url: request.url,
        contentType: request.headers['content-type'],
        body
      })
      handler(request, body, response)
    })
  })
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  const { port } = server.address() as AddressInfo
  return { url: `http://127.0.0.1:${port}/v1/webhook`, received }
}

/** Responds like the relay: 200 when the signature matches `secret`, else 401. */
function verifyingHandler (secret: string): Handler {
  return (request, body, response) => {
    const header = request.headers['x-sqreen-integrity']
    const check = verifySignature(body, typeof header === 'string' ? header : undefined, [secret])
    response.statusCode = check === 'ok' ? 200 : 401
    response.setHeader('content-type', 'application/json')
    response.end(JSON.stringify(check === 'ok' ? { accepted: 1 } : { error: check }))
  }
}

/** Returns a loopback URL on which nothing listens, from a port just freed. */
async function closedPortUrl (): Promise<string> {
  const server = createServer()
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  const { port } = server.address() as AddressInfo
  server.close()
  await once(server, 'close')
  return `http://127.0.0.1:${port}/v1/webhook`
}

test('sign prints each vector signature', async (t) => {
  for (const vector of vectors) {
    const path = join(fixtureDir, vector.file)
    const result = await run(['sign', path, '--secret', vector.secret])
    t.equal(result.code, 0, `${vector.file} exit code`)
    t.equal(result.stdout, `${vector.signature}\n`, vector.file)
    t.equal(result.stderr, '', `${vector.file} stderr`)
  }
})

test('sign uses the first secret of the environment', async (t) => {
  const env = { SQREEN_WEBHOOK_SECRET: ` ${first.secret} , other-secret` }
  const result = await run(['sign', firstPath], env)
  t.equal(result.code, 0)
  t.equal(result.stdout, `${first.signature}\n`)
})

test('sign --secret overrides the environment', async (t) => {
  const env = { SQREEN_WEBHOOK_SECRET: 'other-secret' }
  const result = await run(['sign', firstPath, '--secret', first.secret], env)
  t.equal(result.stdout, `${first.signature}\n`)
})

test('sign without a secret names it', async (t) => {
  const result = await run(['sign', firstPath])
  t.equal(result.code, 1)
  t.equal(result.stdout, '')
  t.equal(result.stderr, 'error: missing secret: pass --secret or set SQREEN_WEBHOOK_SECRET\n')
})

test('sign with an empty secret list names it', async (t) => {
  const result = await run(['sign', firstPath], { SQREEN_WEBHOOK_SECRET: ' , ' })
  t.equal(result.code, 1)
  t.match(result.stderr, /^error: missing secret/)
})

test('sign of a missing file names it', async (t) => {
  const path = join(t.testdirName, 'absent.json')
  const result = await run(['sign', path, '--secret', 's'])
  t.equal(result.code, 1)
  t.equal(result.stdout, '')
  t.equal(result.stderr, `error: file not found: ${path}\n`)
})

test('sign of a directory names it', async (t) => {
  const result = await run(['sign', fixtureDir, '--secret', 's'])
  t.equal(result.code, 1)
  t.match(result.stderr, `error: cannot read ${fixtureDir}: `)
  t.equal(result.stderr.split('\n').length, 2, 'one line')
  t.notMatch(result.stderr, /\n\s+at /, 'no stack trace')
})

test('sign without a file is a usage error', async (t) => {
  const result = await run(['sign', '--secret', 's'])
  t.equal(result.code, 1)
  t.match(result.stderr, "missing required argument 'file'")
})

test('send posts the exact signed bytes', async (t) => {
  const server = await startServer(t, verifyingHandler(first.secret))
  const result = await run(['send', firstPath, '--url', server.url, '--secret', first.secret])
  t.equal(result.code, 0)
  t.equal(result.stdout, 'HTTP 200 OK\n{"accepted":1}\n')
  t.equal(result.stderr, '')
  t.equal(server.received.length, 1)
  const [request] = server.received
  t.equal(request?.method, 'POST')
  t.equal(request?.url, '/v1/webhook')
  t.equal(request?.contentType, 'application/json')
  t.same(request?.body, readFixture(first.file))
})

test('send signs every vector the server accepts', async (t) => {
  for (const vector of vectors) {
    const server = await startServer(t, verifyingHandler(vector.secret))
    const path = join(fixtureDir, vector.file)
    const env = { SQREEN_WEBHOOK_SECRET: vector.secret }
    const result = await run(['send', path, '--url', server.url], env)
    t.equal(result.code, 0, vector.file)
  }
})

test('send exits 1 on a non-2xx response', async (t) => {
  const server = await startServer(t, verifyingHandler(first.secret))
  const result = await run(['send', firstPath, '--url', server.url, '--secret', 'wrong'])
  t.equal(result.code, 1)
  t.equal(result.stdout, 'HTTP 401 Unauthorized\n{"error":"mismatch"}\n')
  t.equal(result.stderr, `error: ${server.url} responded with HTTP 401\n`)
})

test('send does not follow redirects', async (t) => {
  const relay = await startServer(t, verifyingHandler(first.secret))
  const cases = [
    { status: 301, text: 'Moved Permanently' },
    { status: 302, text: 'Found' },
    { status: 307, text: 'Temporary Redirect' },
    { status: 308, text: 'Permanent Redirect' }
  ]
  for (const { status, text } of cases) {
    const proxy = await startServer(t, (_request, _body, response) => {
      response.writeHead(status, { location: relay.url }).end('moved')
    })
    const result = await run(['send', firstPath, '--url', proxy.url, '--secret', first.secret])
    t.equal(result.code, 1, `${status}: exit code`)
    t.equal(result.stdout, `HTTP ${status} ${text}\nmoved\n`, `${status}: response`)
    t.equal(result.stderr, `error: ${proxy.url} responded with HTTP ${status}, a redirect to ${relay.url} ` +
      'that send does not follow: pass that URL as --url if it is the relay\n', `${status}: error`)
    t.equal(proxy.received.length, 1, `${status}: sent once`)
  }
  t.equal(relay.received.length, 0, 'nothing reached the Location')
})

test('send names a redirect without a valid Location', async (t) => {
  for (const location of [undefined, 'http://[::1']) {
    const proxy = await startServer(t, (_request, _body, response) => {
      response.writeHead(302, location === undefined ? {} : { location }).end()
    })
    const result = await run(['send', firstPath, '--url', proxy.url, '--secret', 's'])
    t.equal(result.code, 1, String(location))
    t.equal(result.stderr, `error: ${proxy.url} responded with HTTP 302, a redirect without a valid Location ` +
      'that send does not follow: check --url\n', String(location))
  }
})

test('send prints a body without a final newline', async (t) => {
  const server = await startServer(t, (_request, _body, response) => {
    response.end('accepted')
  })
  const result = await run(['send', firstPath, '--url', server.url, '--secret', 's'])
  t.equal(result.stdout, 'HTTP 200 OK\naccepted\n')
})

test('send escapes control characters', async (t) => {
  const server = await startServer(t, (_request, _body, response) => {
    response.end('\u001b[2J\u001b]0;title\u0007ok\u202e\tdone\n')
  })
  const result = await run(['send', firstPath, '--url', server.url, '--secret', 's'])
  t.equal(result.stdout, 'HTTP 200 OK\n\\u001b[2J\\u001b]0;title\\u0007ok\\u202e\tdone\n')
})

test('send caps a long response', async (t) => {
  const server = await startServer(t, (_request, _body, response) => {
    response.end('a'.repeat(1024 * 1024))
  })
  const result = await run(['send', firstPath, '--url', server.url, '--secret', 's'])
  t.equal(result.stdout, `HTTP 200 OK\n${'a'.repeat(64 * 1024)}\n`)
})

test('sign rejects an endless file', async (t) => {
  const result = await run(['sign', '/dev/zero', '--secret', 's'])
  t.equal(result.code, 1)
  t.equal(result.stderr, 'error: /dev/zero is larger than 67108864 bytes, more than any webhook body\n')
})

test('send keeps the final newline of a body', async (t) => {
  const server = await startServer(t, (_request, _body, response) => {
    response.end('accepted\n')
  })
  const result = await run(['send', firstPath, '--url', server.url, '--secret', 's'])
  t.equal(result.stdout, 'HTTP 200 OK\naccepted\n')
})

test('send prints no body line for an empty body', async (t) => {
  const server = await startServer(t, (_request, _body, response) => {
    response.statusCode = 204
    response.end()
  })
  const result = await run(['send', firstPath, '--url', server.url, '--secret', 's'])
  t.equal(result.code, 0)
  t.equal(result.stdout, 'HTTP 204 No Content\n')
})

test('send names the URL on a network error', async (t) => {
  const url = await closedPortUrl()
  const result = await run(['send', firstPath, '--url', url, '--secret', 's'])
  t.equal(result.code, 1)
  t.equal(result.stdout, '')
  t.match(result.stderr, `error: request to ${url} failed: `)
  t.match(result.stderr, 'ECONNREFUSED')
  t.equal(result.stderr.split('\n').length, 2, 'one line')
})

test('send times out on a silent server', async (t) => {
  const server = await startServer(t, () => {})
  const argv = ['send', firstPath, '--url', server.url, '--secret', 's', '--timeout', '200']
  const result = await run(argv)
  t.equal(result.code, 1)
  t.equal(result.stderr, `error: request to ${server.url} timed out after 200 ms\n`)
})

test('send rejects an invalid --url', async (t) => {
  const cases = [
    'not a url',
    'ftp://127.0.0.1/v1/webhook',
    '/v1/webhook',
    'http://user:s3cr3t@127.0.0.1/v1/webhook'
  ]
  for (const url of cases) {
    const result = await run(['send', firstPath, '--url', url, '--secret', 's'])
    t.equal(result.code, 1, url)
    t.match(result.stderr, /^error: --url must /, url)
    t.notMatch(result.stderr, 's3cr3t', `${url}: no password in the error`)
  }
})

test('send rejects an invalid --timeout', async (t) => {
  for (const timeout of ['0', '-5', '1.5', 'soon', '1e3', '2147483648', '99999999999']) {
    const argv = ['send', firstPath, '--url', 'http://127.0.0.1:1/', '--timeout', timeout]
    const result = await run(argv)
    t.equal(result.code, 1, timeout)
    t.match(result.stderr, `option '--timeout <ms>' argument '${timeout}' is invalid`, timeout)
  }
})

test('send requires --url', async (t) => {
  const result = await run(['send', firstPath, '--secret', 's'])
  t.equal(result.code, 1)
  t.match(result.stderr, "required option '--url <url>' not specified")
})

test('send without a secret names it', async (t) => {
  const result = await run(['send', firstPath, '--url', 'http://127.0.0.1:1/'])
  t.equal(result.code, 1)
  t.match(result.stderr, /^error: missing secret/)
})

test('--help describes each command', async (t) => {
  const cases: Record<string, string[]> = {
    sign: ['Usage: sqreen-relay sign [options] <file>', '--secret <secret>'],
    send: ['Usage: sqreen-relay send [options] <file>', '--url <url>', '--timeout <ms>']
  }
  for (const [command, expected] of Object.entries(cases)) {
    const result = await run([command, '--help'])
    t.equal(result.code, 0, `${command} exit code`)
    for (const text of expected) t.match(result.stdout, text, `${command} ${text}`)
  }
})

test('run commands list their variables', async (t) => {
  const lists: Record<string, string[]> = {
    serve: serverVariables,
    consume: consumerVariables,
    start: [...serverVariables, ...consumerVariables]
  }
  for (const [command, variables] of Object.entries(lists)) {
    const result = await run([command, '--help'])
    const help = result.stdout.replace(/\s+/g, ' ')
    for (const name of variables) t.match(help, name, `${command} ${name}`)
    t.match(help, 'SIGINT or SIGTERM', `${command} shutdown`)
  }
  const named = new Set([...serverVariables, ...consumerVariables].map((name) => name.split(' ')[0]))
  for (const name of Object.keys(configSchema.properties)) t.ok(named.has(name), `${name} is listed`)
})

test('check-config exits 0 on a valid environment', async (t) => {
  const result = await run(['check-config'], { SQREEN_WEBHOOK_SECRET: 's' })
  t.equal(result.code, 0)
  t.match(result.stdout, 'The configuration is valid.')
})

test('check-config exits 1 on an invalid variable', async (t) => {
  const result = await run(['check-config'], { PORT: 'abc' })
  t.equal(result.code, 1)
  t.match(result.stdout, /^error: PORT /m)
})

test('check-config --explain reads the file', async (t) => {
  const argv = ['check-config', '--explain', firstPath]
  const result = await run(argv, { SQREEN_WEBHOOK_SECRET: 's' })
  t.equal(result.code, 0)
  t.match(result.stdout, `Notifications of ${firstPath}:`)
})

test('unexpected errors are rethrown', async (t) => {
  const failure = new Error('stdout closed')
  const io = {
    stdout: () => { throw failure },
    stderr: () => {},
    env: {}
  }
  await t.rejects(runCli(['sign', firstPath, '--secret', 's'], io), failure)
})

/** Lists the path of every command and subcommand, e.g. ['dead-letters', 'list']. */
function commandPaths (command: Command, parent: string[] = []): string[][] {
  return command.commands.flatMap((child) => {
    const path = [...parent, child.name()]
    return [path, ...commandPaths(child, path)]
  })
}

test('--help works for every command', async (t) => {
  const program = buildProgram({ stdout: () => {}, stderr: () => {}, env: {} })
  const paths = commandPaths(program)
  t.ok(paths.length >= 2)
  for (const path of paths) {
    const name = path.join(' ')
    const result = await run([...path, '--help'])
    t.equal(result.code, 0, `${name} exit code`)
    t.match(result.stdout, `Usage: sqreen-relay ${name} `, name)
    t.equal(result.stderr, '', `${name} stderr`)
  }
})

test('top-level --help lists the commands', async (t) => {
  const result = await run(['--help'])
  t.equal(result.code, 0)
  t.match(result.stdout, 'Usage: sqreen-relay [options] [command]')
  t.match(result.stdout, /^ {2}sign /m)
  t.match(result.stdout, /^ {2}send /m)
})

test('no command prints help and exits 1', async (t) => {
  const result = await run([])
  t.equal(result.code, 1)
  t.match(result.stderr, 'Usage: sqreen-relay')
})

test('unknown command is an error', async (t) => {
  const result = await run(['frobnicate'])
  t.equal(result.code, 1)
  t.match(result.stderr, "unknown command 'frobnicate'")
})

const execFileAsync = promisify(execFile)
// The child loads TypeScript the way this test process does, so under tap
// its coverage maps onto the same transpiled lines.
const nodeOptions = process.execArgv
const cliPath = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

test('runs when started through a symbolic link', async (t) => {
  const dir = t.testdir()
  const link = resolve(dir, 'sqreen-relay')
  await symlink(cliPath, link)
  const argv = [...nodeOptions, link, 'sign', firstPath, '--secret', first.secret]
  const { stdout } = await execFileAsync(process.execPath, argv)
  t.equal(stdout, `${first.signature}\n`)
})

test('exit code reaches the process', async (t) => {
  const argv = [...nodeOptions, cliPath, 'sign', firstPath]
  // Only what runs the TypeScript source: no secret or other relay variable.
  const env = { PATH: process.env.PATH, TS_NODE_PROJECT: process.env.TS_NODE_PROJECT, TS_NODE_TRANSPILE_ONLY: '1' }
  const error = await execFileAsync(process.execPath, argv, { env }).catch((err) => err)
  t.match(error, { code: 1, stderr: /^error: missing secret/ })
})

test('--version prints the package version', async (t) => {
  const result = await run(['--version'])
  t.equal(result.code, 0)
  t.match(result.stdout, /^\d+\.\d+\.\d+\n$/)
})

test('ignoreClosedPipe ignores only a closed pipe', async (t) => {
  const failure = (code: string): NodeJS.ErrnoException => Object.assign(new Error(code), { code })
  t.doesNotThrow(() => { ignoreClosedPipe(failure('EPIPE')) })
  t.doesNotThrow(() => { ignoreClosedPipe(failure('ERR_STREAM_DESTROYED')) })
  t.throws(() => { ignoreClosedPipe(failure('EIO')) }, { code: 'EIO' })
})
