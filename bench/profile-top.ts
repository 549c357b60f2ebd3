import { readFileSync } from 'node:fs'

/*
 * Prints the functions with the most self time in a V8 .cpuprofile, as
 * written by node --cpu-prof (see BENCH_CPU_PROF in bench/run.ts), and the
 * total time under frames whose file matches an optional pattern.
 *
 *   node --import tsx bench/profile-top.ts <file.cpuprofile> [count] [pattern]
 */

interface ProfileNode {
  id: number
  callFrame: { functionName: string, url: string, lineNumber: number }
  children?: number[]
}

interface Profile {
  nodes: ProfileNode[]
  samples: number[]
  timeDeltas: number[]
}

const [file, countText = '30', pattern] = process.argv.slice(2)
if (file === undefined) {
  console.error('usage: node --import tsx bench/profile-top.ts <file.cpuprofile> [count] [pattern]')
  process.exit(2)
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile

/** Microseconds of self time per node id. */
const selfTime = new Map<number, number>()
profile.samples.forEach((id, index) => {
  selfTime.set(id, (selfTime.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0))
})
const total = [...selfTime.values()].reduce((sum, value) => sum + value, 0)

function frameName (node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame
  const where = url.replace(/^file:\/\/.*?\/(node_modules|src|plugins|backends)\//, '$1/')
  return `${functionName === '' ? '(anonymous)' : functionName} ${where}:${lineNumber + 1}`
}

const byFrame = new Map<string, number>()
for (const node of profile.nodes) {
  const name = frameName(node)
  byFrame.set(name, (byFrame.get(name) ?? 0) + (selfTime.get(node.id) ?? 0))
}
const top = [...byFrame.entries()].sort((a, b) => b[1] - a[1]).slice(0, Number(countText))
console.log(`total ${(total / 1000).toFixed(0)} ms sampled`)
for (const [name, micros] of top) {
  const percent = (100 * micros / total).toFixed(1).padStart(5)
  console.log(`${percent} %  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`)
}

if (pattern !== undefined) {
  // Inclusive time: the self time of every node that is, or sits under, a matching frame.
  const regex = new RegExp(pattern)
  const byId = new Map(profile.nodes.map((node) => [node.id, node]))
  const childIds = new Set(profile.nodes.flatMap((node) => node.children ?? []))
  let matched = 0
  const visit = (node: ProfileNode, under: boolean): void => {
    const inside = under || regex.test(frameName(node))
    if (inside) matched += selfTime.get(node.id) ?? 0
    for (const child of node.children ?? []) {
      const next = byId.get(child)
      if (next !== undefined) visit(next, inside)
    }
  }
  for (const root of profile.nodes.filter((node) => !childIds.has(node.id))) visit(root, false)
  console.log(`frames matching ${regex}: ${(100 * matched / total).toFixed(1)} % inclusive`)
}
