/*
 * Reads the lines node --trace-gc prints, to follow the live heap: the
 * heap size right after each full (mark-compact) collection. RSS also
 * counts garbage and the room V8 keeps for growth, so a heap that settles
 * after full collections while RSS climbs points at V8's heap sizing, not
 * at a leak.
 */

export interface FullGc {
  /** When the line arrived, on this process's performance.now() clock, in ms. */
  at: number
  /** Heap size after the collection, in bytes. */
  liveBytes: number
}

// e.g. "[4134:0x39a86c40]  23892 ms: Mark-Compact 138.1 (168.1) -> 37.8 (167.7) MB, ..."
const gcLine = new RegExp('^\\[\\d+:(0x[0-9a-f]+)\\]\\s+[\\d.]+ ms: (Scavenge|Mark-Compact)' +
  '(?: \\(reduce\\))? [\\d.]+ \\([\\d.]+\\) -> ([\\d.]+) ')

export class GcTrace {
  readonly #isolates = new Map<string, { collections: number, full: FullGc[] }>()

  /** Takes one line of the program's standard output; other lines are ignored. */
  line (text: string): void {
    const match = gcLine.exec(text)
    if (match === null) return
    const [, isolate = '', kind, after = '0'] = match
    const entry = this.#isolates.get(isolate) ?? { collections: 0, full: [] }
    this.#isolates.set(isolate, entry)
    entry.collections++
    if (kind === 'Mark-Compact') {
      entry.full.push({ at: performance.now(), liveBytes: Number(after) * 1024 * 1024 })
    }
  }

  /**
   * Full collections of the isolate that collected most often, which is
   * the main thread, should a worker thread trace collections too.
   */
  fullCollections (): FullGc[] {
    const isolates = [...this.#isolates.values()].sort((a, b) => b.collections - a.collections)
    return isolates[0]?.full ?? []
  }
}
