import type { Config } from '../config.js'
import { routingFromEnv } from './env.js'
import { loadRoutesFile } from './file.js'
import type { RoutingTable } from './types.js'

/** Reads the receivers and routes: the routes file when set, else the env. */
export function loadRouting (config: Config, env: NodeJS.ProcessEnv): RoutingTable {
  if (config.ROUTES_FILE !== undefined) return loadRoutesFile(config.ROUTES_FILE, env)
  return routingFromEnv(config)
}
