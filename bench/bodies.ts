import { randomBytes } from 'node:crypto'
import { sign } from '../src/signature.js'
import { readFixture } from '../test/fixtures/sqreen.js'

/*
 * Signed webhook bodies built from a captured Sqreen v2 security_event.
 * Each notification gets its own event id, so the consumer's duplicate
 * detection treats every one as new, and the id is also what the Slack
 * stand-in reads back from the event URL in the rendered message. The
 * item keeps Sqreen's own serialisation (Python json.dumps separators),
 * and items are joined with ", " as json.dumps joins list items.
 */

export const benchSecret = 'bench-secret'

const fixtureName = 'security_event_v2__raphael-thibierge_sqreen_webhooks_to_sms.json'
const fixtureEventId = '60152f0bbdc966000fc88b58'

/** Text of the captured item, without the enclosing array brackets. */
const itemTemplate = (() => {
  const raw = readFixture(fixtureName).toString('utf8').trim()
  if (!raw.startsWith('[') || !raw.endsWith(']') || !raw.includes(fixtureEventId)) {
    throw new Error(
      `${fixtureName} is not the one-item body with event ${fixtureEventId} this benchmark expects`
    )
  }
  return raw.slice(1, -1)
})()

/** Matches the event id in the event URL that every rendering of the item carries. */
export const eventIdPattern = /\/events\/([0-9a-f]{24})/

export interface SignedBody {
  body: Buffer
  signature: string
  notifications: number
}

/**
 * Makes 24-hex event ids of the same length as Sqreen's: 8 hex digits that
 * are random per run, then the sequence number in 16 hex digits.
 */
export class EventIds {
  readonly runTag = randomBytes(4).toString('hex')

  id (sequence: number): string {
    return this.runTag + sequence.toString(16).padStart(16, '0')
  }

  /** Returns the sequence number of an id of this run, or null for another run's id. */
  sequenceOf (id: string): number | null {
    if (!id.startsWith(this.runTag)) return null
    return Number.parseInt(id.slice(8), 16)
  }
}

/** Builds a signed body of `count` notifications numbered from `firstSequence`. */
export function buildBody (ids: EventIds, firstSequence: number, count: number): SignedBody {
  const items: string[] = []
  for (let index = 0; index < count; index++) {
    items.push(itemTemplate.replaceAll(fixtureEventId, ids.id(firstSequence + index)))
  }
  const body = Buffer.from(`[${items.join(', ')}]`, 'utf8')
  return { body, signature: sign(body, benchSecret), notifications: count }
}

/**
 * Returns the bytes the relay publishes for one notification: the item as
 * JSON.stringify writes it.
 */
export function publishedContent (ids: EventIds, sequence: number): Buffer {
  const item: unknown = JSON.parse(itemTemplate.replaceAll(fixtureEventId, ids.id(sequence)))
  return Buffer.from(JSON.stringify(item), 'utf8')
}
