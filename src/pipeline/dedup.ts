import { randomUUID } from 'node:crypto'

/**
 * Record of a routed notification or a handled delivery: its key, the
 * message that carried it and when. Records live in a RabbitMQ stream that
 * every consumer process reads from its start. A process that takes over
 * the route queue, which has a single active consumer, thus finds what the
 * previous one routed.
 */
export interface DedupRecord {
  key: string
  messageId: string
  at: number
  /** How long the record counts; the store's window when absent. */
  ttlMs?: number
}

interface Entry {
  messageId: string
  expiresAt: number
}

interface Marker {
  marker: string
}

export type DedupVerdict = 'new' | 'duplicate' | 'already-routed'

/**
 * The in-memory view of the duplicate records within the window. It also
 * serialises work on one content key, so two copies of a notification that
 * arrive together are not both routed.
 */
export class DedupStore {
  readonly windowMs: number
  readonly #records = new Map<string, Entry>()
  readonly #markers = new Map<string, () => void>()
  readonly #locks = new Map<string, Promise<void>>()
  #lastPrune = 0

  constructor (windowMs: number) {
    this.windowMs = windowMs
  }

  get size (): number {
    return this.#records.size
  }

  /** Applies one message read from the stream. Invalid content is ignored. */
  apply (content: Buffer): void {
    let value: Partial<DedupRecord & Marker>
    try {
      value = JSON.parse(content.toString('utf8'))
    } catch {
      return
    }
    if (typeof value.marker === 'string') {
      this.#markers.get(value.marker)?.()
      this.#markers.delete(value.marker)
      return
    }
    const { key, messageId, at, ttlMs } = value
    if (typeof key !== 'string' || typeof messageId !== 'string' || typeof at !== 'number') return
    this.remember({ key, messageId, at, ttlMs: typeof ttlMs === 'number' ? ttlMs : undefined })
  }

  remember (record: DedupRecord, now = Date.now()): void {
    const expiresAt = record.at + Math.min(record.ttlMs ?? this.windowMs, this.windowMs)
    if (expiresAt <= now) return
    this.#records.set(record.key, { messageId: record.messageId, expiresAt })
    this.#prune(now)
  }

  verdict (key: string, messageId: string, now = Date.now()): DedupVerdict {
    const entry = this.#records.get(key)
    if (entry === undefined || entry.expiresAt <= now) return 'new'
    return entry.messageId === messageId ? 'already-routed' : 'duplicate'
  }

  /** A marker to publish to the stream; `seen` resolves once it is read back. */
  marker (): { content: Buffer, seen: Promise<void> } {
    const marker = randomUUID()
    const seen = new Promise<void>((resolve) => { this.#markers.set(marker, resolve) })
    return { content: Buffer.from(JSON.stringify({ marker })), seen }
  }

  /** Runs `work` after any earlier work on the same key has finished. */
  async withKey<T> (key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#locks.get(key) ?? Promise.resolve()
    let release = (): void => {}
    const current = new Promise<void>((resolve) => { release = resolve })
    const chained = previous.then(() => current)
    this.#locks.set(key, chained)
    await previous
    try {
      return await work()
    } finally {
      release()
      if (this.#locks.get(key) === chained) this.#locks.delete(key)
    }
  }

  #prune (now: number): void {
    if (now - this.#lastPrune < 1000) return
    this.#lastPrune = now
    for (const [key, entry] of this.#records) {
      if (entry.expiresAt <= now) this.#records.delete(key)
    }
  }
}
