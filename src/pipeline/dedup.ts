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

/**
 * A consumer process's claim on one delivery attempt. Claims live in the
 * same stream as the records, so every process reads them in one order,
 * and the first live claim on a key wins everywhere.
 */
export interface Claim {
  /** The key of the delivery attempt claimed. */
  claim: string
  /** The consumer process that made the claim. */
  owner: string
  /** Unique per claim, so its maker recognises it when read back. */
  id: string
  at: number
  /** How long the claim lasts, unless a record for its key arrives first. */
  ttlMs: number
}

interface LiveClaim {
  owner: string
  id: string
  expiresAt: number
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
  readonly #claims = new Map<string, LiveClaim>()
  /** Resolvers of this process's claims not read back yet, by claim id. */
  readonly #pendingClaims = new Map<string, (won: boolean) => void>()
  /** Callbacks waiting for a record of a key. */
  readonly #watchers = new Map<string, Set<() => void>>()
  /** The last time this process could not read the stream, and until when it extends claims. */
  #outage: { from: number, extendsTo: number } | undefined
  #lastPrune = 0

  constructor (windowMs: number) {
    this.windowMs = windowMs
  }

  get size (): number {
    return this.#records.size
  }

  /** Applies one message read from the stream. Invalid content is ignored. */
  apply (content: Buffer): void {
    let value: Partial<DedupRecord & Marker & Claim>
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
    if (typeof value.claim === 'string') {
      this.#applyClaim(value)
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
    const watchers = this.#watchers.get(record.key)
    this.#watchers.delete(record.key)
    for (const notify of watchers ?? []) notify()
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

  /**
   * Creates a claim on `key` to publish to the stream. Its `won` resolves
   * once the claim is read back: true when no other owner had a live claim
   * on the key at that point of the stream.
   */
  claim (key: string, owner: string, ttlMs: number, now = Date.now()): { id: string, content: Buffer, won: Promise<boolean> } {
    const claim: Claim = { claim: key, owner, id: randomUUID(), at: now, ttlMs }
    const won = new Promise<boolean>((resolve) => { this.#pendingClaims.set(claim.id, resolve) })
    return { id: claim.id, content: Buffer.from(JSON.stringify(claim)), won }
  }

  /** Stops waiting for a claim that will not be read back, such as one never published. */
  forgetClaim (id: string): void {
    this.#pendingClaims.delete(id)
  }

  /** Returns the live claim on a key, if any, with the time it lasts until. */
  claimHolder (key: string, now = Date.now()): LiveClaim | undefined {
    const holder = this.#claims.get(key)
    if (holder === undefined) return undefined
    const expiresAt = this.#expiry(holder)
    return expiresAt > now ? { ...holder, expiresAt } : undefined
  }

  /**
   * Records that this process could not read the stream from `from` to
   * `to`. The owner of a claim that was live when the outage began may
   * have lost the broker too, and may reconnect later than this process.
   * Such a claim therefore lasts at least `graceMs` past the outage's end,
   * so that its owner can store the record of a send that it finished.
   */
  noteOutage (from: number, to: number, graceMs: number): void {
    // An outage that begins while an earlier one still extends claims
    // keeps the earlier start, so the claims of both stay extended.
    const previous = this.#outage
    const start = previous !== undefined && previous.extendsTo > from ? previous.from : from
    this.#outage = { from: start, extendsTo: to + graceMs }
  }

  /**
   * Returns when a claim ends for this process's own decisions. Which
   * claim wins stays with the times in the records, the same in every
   * process, and this time is never earlier than the claim's own end.
   */
  #expiry (claim: LiveClaim): number {
    const outage = this.#outage
    if (outage === undefined || claim.expiresAt <= outage.from) return claim.expiresAt
    return Math.max(claim.expiresAt, outage.extendsTo)
  }

  /** Resolves when a record of `key` arrives, or after `timeoutMs`. */
  async waitForRecord (key: string, timeoutMs: number): Promise<void> {
    let notify = (): void => {}
    const arrived = new Promise<void>((resolve) => { notify = resolve })
    const watchers = this.#watchers.get(key) ?? new Set()
    watchers.add(notify)
    this.#watchers.set(key, watchers)
    const timer = setTimeout(notify, Math.max(timeoutMs, 0))
    try {
      await arrived
    } finally {
      clearTimeout(timer)
      watchers.delete(notify)
      if (watchers.size === 0 && this.#watchers.get(key) === watchers) this.#watchers.delete(key)
    }
  }

  /**
   * A claim takes the key unless another owner's claim was still live at
   * the time the new one was made. Both times come from the records, so
   * every process that reads the stream decides the same way.
   */
  #applyClaim (value: Partial<Claim>): void {
    const { claim: key, owner, id, at, ttlMs } = value
    if (typeof key !== 'string' || typeof owner !== 'string' || typeof id !== 'string' ||
      typeof at !== 'number' || typeof ttlMs !== 'number') return
    const current = this.#claims.get(key)
    if (current === undefined || current.expiresAt <= at || current.owner === owner) {
      this.#claims.set(key, { owner, id, expiresAt: at + ttlMs })
    }
    const resolve = this.#pendingClaims.get(id)
    if (resolve === undefined) return
    this.#pendingClaims.delete(id)
    resolve(this.#claims.get(key)?.id === id)
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
    for (const [key, claim] of this.#claims) {
      if (this.#expiry(claim) <= now) this.#claims.delete(key)
    }
  }
}
