import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect, type ChannelModel } from 'amqplib'
import { retryTiers, loadConfig } from '../src/config.js'
import { deliveryQueue, topologyNames } from '../src/broker/topology.js'
import { deleteTopology } from '../test/fixtures/broker.js'
import { benchSecret } from './bodies.js'
import { freePort, startRelayChild, type Child } from './children.js'

/*
 * The relay under test: its server and consumer as child processes on
 * loopback, sharing one AMQP_PREFIX that is unique to the run. A routes
 * file with a single Slack receiver makes the consumer deliver each
 * notification once and nowhere else, without the log receiver.
 */

const routesYaml = `receivers:
  slack:
    type: slack
    webhook_url: \${BENCH_SLACK_URL}
routes:
  - name: everything
    receivers: [slack]
`

export interface BenchRelayOptions {
  amqpUrl: string
  prefix: string
  slackUrl: string
  /** Extra variables for both programs, e.g. DEDUP_WINDOW_SECONDS. */
  env?: NodeJS.ProcessEnv
  /** Node options for the server and the consumer, e.g. --cpu-prof. */
  nodeArgs?: string[]
  /** Receives each line of standard output of the server or the consumer. */
  onOutputLine?: (program: 'server' | 'consumer', line: string) => void
}

function outputHandler (
  options: BenchRelayOptions,
  program: 'server' | 'consumer'
): ((line: string) => void) | undefined {
  const handler = options.onOutputLine
  return handler === undefined ? undefined : (line) => { handler(program, line) }
}

export class BenchRelay {
  readonly options: BenchRelayOptions
  readonly env: NodeJS.ProcessEnv
  readonly webhookUrl: string
  readonly #routesDir: string
  server: Child | null = null
  consumer: Child | null = null
  #amqp: ChannelModel | null = null

  private constructor (options: BenchRelayOptions, port: number, consumerPort: number) {
    this.options = options
    this.#routesDir = mkdtempSync(join(tmpdir(), 'sqreen-relay-bench-'))
    const routesFile = join(this.#routesDir, 'routes.yml')
    writeFileSync(routesFile, routesYaml)
    this.env = {
      SQREEN_WEBHOOK_SECRET: benchSecret,
      AMQP_URL: options.amqpUrl,
      AMQP_PREFIX: options.prefix,
      HOST: '127.0.0.1',
      PORT: String(port),
      CONSUMER_HOST: '127.0.0.1',
      CONSUMER_PORT: String(consumerPort),
      ROUTES_FILE: routesFile,
      BENCH_SLACK_URL: options.slackUrl,
      ...options.env
    }
    this.webhookUrl = `http://127.0.0.1:${port}/v1/webhook`
  }

  /** Starts the server; the consumer starts separately with startConsumer. */
  static async start (options: BenchRelayOptions): Promise<BenchRelay> {
    const relay = new BenchRelay(options, await freePort(), await freePort())
    relay.#amqp = await connect(options.amqpUrl)
    relay.server = await startRelayChild({
      program: 'server',
      env: relay.env,
      readyUrl: `http://127.0.0.1:${relay.env.PORT ?? ''}/readyz`,
      nodeArgs: options.nodeArgs,
      onOutputLine: outputHandler(options, 'server')
    })
    return relay
  }

  async startConsumer (): Promise<Child> {
    this.consumer = await startRelayChild({
      program: 'consumer',
      env: this.env,
      readyUrl: `http://127.0.0.1:${this.env.CONSUMER_PORT ?? ''}/readyz`,
      nodeArgs: this.options.nodeArgs,
      onOutputLine: outputHandler(this.options, 'consumer')
    })
    return this.consumer
  }

  async stopConsumer (): Promise<void> {
    await this.consumer?.stop()
    this.consumer = null
  }

  /** URLs of the Prometheus metrics of the server and the consumer. */
  get metricsUrls (): { server: string, consumer: string } {
    return {
      server: `http://127.0.0.1:${this.env.PORT ?? ''}/metrics`,
      consumer: `http://127.0.0.1:${this.env.CONSUMER_PORT ?? ''}/metrics`
    }
  }

  get routeQueue (): string {
    return topologyNames(this.options.prefix).route
  }

  /** Ready messages in the route queue. */
  async routeDepth (): Promise<number> {
    const channel = await this.#requireAmqp().createChannel()
    try {
      return (await channel.checkQueue(this.routeQueue)).messageCount
    } finally {
      await channel.close()
    }
  }

  /**
   * Empties the route queue, and the Slack delivery queue too when
   * `deliveries` is set. Returns the number of messages removed.
   */
  async purge (deliveries = false): Promise<number> {
    const names = topologyNames(this.options.prefix)
    const queues = deliveries ? [names.route, deliveryQueue(names, 'slack')] : [names.route]
    const channel = await this.#requireAmqp().createChannel()
    try {
      let removed = 0
      for (const queue of queues) removed += (await channel.purgeQueue(queue)).messageCount
      return removed
    } finally {
      await channel.close()
    }
  }

  /** Stops both programs and deletes every queue and exchange they declared. */
  async close (): Promise<void> {
    await this.stopConsumer()
    await this.server?.stop()
    await this.#amqp?.close()
    rmSync(this.#routesDir, { recursive: true, force: true })
    const config = loadConfig(this.env)
    await deleteTopology({
      prefix: this.options.prefix,
      receivers: ['slack'],
      tiersMs: retryTiers(config),
      dedupWindowSeconds: [config.DEDUP_WINDOW_SECONDS]
    })
  }

  #requireAmqp (): ChannelModel {
    if (this.#amqp === null) throw new Error('the benchmark has no broker connection')
    return this.#amqp
  }
}
