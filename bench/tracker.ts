import type { EventIds } from './bodies.js'

/*
 * Pairs the time each notification was sent with the time the Slack
 * stand-in received it, both on this process's performance.now() clock,
 * keyed by the notification's sequence number.
 */
export class DeliveryTracker {
  readonly ids: EventIds
  readonly #sentAt = new Map<number, number>()
  readonly #receivedAt = new Map<number, number>()
  /** Messages whose id belongs to another run or arrived twice. */
  unexpected = 0
  #next = 0

  constructor (ids: EventIds) {
    this.ids = ids
  }

  /** Reserves `count` sequence numbers and returns the first. */
  nextSequence (count: number): number {
    const first = this.#next
    this.#next += count
    return first
  }

  sent (sequence: number, at: number): void {
    this.#sentAt.set(sequence, at)
  }

  received (eventId: string, at: number): void {
    const sequence = this.ids.sequenceOf(eventId)
    if (sequence === null || this.#receivedAt.has(sequence)) {
      this.unexpected++
      return
    }
    this.#receivedAt.set(sequence, at)
  }

  /** Count of the sequence numbers in [from, to) that arrived. */
  countReceived (from: number, to: number): number {
    let count = 0
    for (let sequence = from; sequence < to; sequence++) {
      if (this.#receivedAt.has(sequence)) count++
    }
    return count
  }

  /** Send-to-receipt times in ms of the sequence numbers in [from, to) that arrived. */
  latencies (from: number, to: number): number[] {
    const values: number[] = []
    for (let sequence = from; sequence < to; sequence++) {
      const sentAt = this.#sentAt.get(sequence)
      const receivedAt = this.#receivedAt.get(sequence)
      if (sentAt !== undefined && receivedAt !== undefined) values.push(receivedAt - sentAt)
    }
    return values
  }

  /** Earliest and latest receipt times among [from, to), or null when none arrived. */
  receiptSpan (from: number, to: number): { first: number, last: number } | null {
    let first = Infinity
    let last = -Infinity
    for (let sequence = from; sequence < to; sequence++) {
      const at = this.#receivedAt.get(sequence)
      if (at === undefined) continue
      first = Math.min(first, at)
      last = Math.max(last, at)
    }
    return first === Infinity ? null : { first, last }
  }
}
