import { cpus, loadavg, totalmem } from 'node:os'
import { connect } from 'amqplib'

/** Facts about the machine a benchmark ran on, for its record. */
export interface Machine {
  cpuModel: string
  cores: number
  memoryBytes: number
  node: string
  rabbitmq: string
  erlang: string
  date: string
  /** 1-minute load average when the run started. */
  loadAverage: number
}

export async function describeMachine (amqpUrl: string): Promise<Machine> {
  const model = await connect(amqpUrl)
  const properties = model.connection.serverProperties as Record<string, unknown>
  await model.close()
  return {
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cores: cpus().length,
    memoryBytes: totalmem(),
    node: process.version,
    rabbitmq: String(properties.version ?? 'unknown'),
    erlang: String(properties.platform ?? 'unknown'),
    date: new Date().toISOString(),
    loadAverage: loadavg()[0] ?? 0
  }
}
