import { setTimeout as delay } from 'node:timers/promises'
import { test } from 'tap'
import { DedupStore } from '../../src/pipeline/dedup.js'

const record = (key: string, messageId: string, at: number): Buffer =>
  Buffer.from(JSON.stringify({ key, messageId, at }))

test('verdicts within the window', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(record('k1', 'm1', now))
  t.equal(store.verdict('k1', 'm1', now), 'already-routed')
  t.equal(store.verdict('k1', 'm2', now), 'duplicate')
  t.equal(store.verdict('k2', 'm1', now), 'new')
  t.equal(store.verdict('k1', 'm2', now + 60_000), 'new', 'the window has passed')
})

test('old and invalid records are ignored', async (t) => {
  const store = new DedupStore(1000)
  store.apply(record('old', 'm1', Date.now() - 5000))
  store.apply(Buffer.from('not json'))
  store.apply(Buffer.from('{"key": 1}'))
  t.equal(store.size, 0)
})

test('expired records are pruned', async (t) => {
  const store = new DedupStore(1000)
  const now = Date.now()
  store.remember({ key: 'a', messageId: 'm', at: now }, now)
  store.remember({ key: 'b', messageId: 'm', at: now + 1500 }, now + 1500)
  t.equal(store.size, 1)
})

test('marker resolves when read back', async (t) => {
  const store = new DedupStore(1000)
  const { content, seen } = store.marker()
  let resolved = false
  void seen.then(() => { resolved = true })
  store.apply(Buffer.from(JSON.stringify({ marker: 'another' })))
  await delay(1)
  t.notOk(resolved)
  store.apply(content)
  await seen
  t.ok(resolved)
})

test('work on one key is serialised', async (t) => {
  const store = new DedupStore(1000)
  const order: string[] = []
  const first = store.withKey('k', async () => { await delay(20); order.push('first') })
  const second = store.withKey('k', async () => { order.push('second') })
  const other = store.withKey('other', async () => { order.push('other') })
  await Promise.all([first, second, other])
  t.same(order, ['other', 'first', 'second'])
})

test('a failed job releases its key', async (t) => {
  const store = new DedupStore(1000)
  await t.rejects(store.withKey('k', async () => { throw new Error('boom') }))
  t.equal(await store.withKey('k', async () => 'next'), 'next')
})

test('record ttl shortens the window', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.remember({ key: 'short', messageId: 'm', at: now, ttlMs: 1000 }, now)
  store.apply(Buffer.from(JSON.stringify({ key: 'long', messageId: 'm', at: now, ttlMs: 999_999 })))
  t.equal(store.verdict('short', 'm', now + 999), 'already-routed')
  t.equal(store.verdict('short', 'm', now + 1000), 'new')
  t.equal(store.verdict('long', 'm', now + 59_999), 'already-routed', 'capped by the window')
  t.equal(store.verdict('long', 'm', now + 60_000), 'new')
})

test('first live claim wins', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  const first = store.claim('k', 'a', 10_000, now)
  const second = store.claim('k', 'b', 10_000, now + 1)
  store.apply(first.content)
  store.apply(second.content)
  t.equal(await first.won, true, 'the claim read first')
  t.equal(await second.won, false, 'a later claim by another owner')
  t.equal(store.claimHolder('k', now + 2)?.owner, 'a')
  t.equal(store.claimHolder('k', now + 10_000), undefined, 'the claim expires')
})

test('expired claim is taken over', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(store.claim('k', 'a', 1000, now - 5000).content)
  const later = store.claim('k', 'b', 1000, now)
  store.apply(later.content)
  t.equal(await later.won, true)
  t.equal(store.claimHolder('k', now)?.owner, 'b')
})

test('owner may claim again', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(store.claim('k', 'a', 10_000, now).content)
  const again = store.claim('k', 'a', 10_000, now + 1)
  store.apply(again.content)
  t.equal(await again.won, true)
})

test('invalid claims are ignored', async (t) => {
  const store = new DedupStore(60_000)
  store.apply(Buffer.from(JSON.stringify({ claim: 'k', owner: 'a', id: 'x', at: 'now', ttlMs: 1000 })))
  store.apply(Buffer.from(JSON.stringify({ claim: 'k', owner: 1, id: 'x', at: Date.now(), ttlMs: 1000 })))
  t.equal(store.claimHolder('k'), undefined)
})

test('forgotten claim is not resolved', async (t) => {
  const store = new DedupStore(60_000)
  const claim = store.claim('k', 'a', 10_000)
  let settled = false
  void claim.won.then(() => { settled = true })
  store.forgetClaim(claim.id)
  store.apply(claim.content)
  await delay(1)
  t.notOk(settled, 'nobody waits for it any more')
  t.equal(store.claimHolder('k')?.owner, 'a', 'the claim still counts')
})

test('waiting ends with the record', async (t) => {
  const store = new DedupStore(60_000)
  const started = Date.now()
  const waiting = store.waitForRecord('k', 10_000)
  store.apply(record('other', 'm', Date.now()))
  store.apply(record('k', 'm', Date.now()))
  await waiting
  t.ok(Date.now() - started < 5000, 'before the timeout')
  t.equal(store.verdict('k', 'm'), 'already-routed')
})

test('waiting ends at the timeout', async (t) => {
  const store = new DedupStore(60_000)
  const started = Date.now()
  await Promise.all([store.waitForRecord('k', 20), store.waitForRecord('k', 20)])
  t.ok(Date.now() - started >= 15, 'after about the timeout')
  store.apply(record('k', 'm', Date.now()))
  t.equal(store.verdict('k', 'm'), 'already-routed', 'a record after the wait still counts')
})

test('expired claims are pruned', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(store.claim('old', 'a', 1000, now).content)
  store.remember({ key: 'r', messageId: 'm', at: now + 5000 }, now + 5000)
  t.equal(store.claimHolder('old', now), undefined, 'pruned, not only expired')
})

test('outage extends live claims', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(store.claim('live', 'a', 5000, now).content)
  store.apply(store.claim('ended', 'a', 5000, now - 10_000).content)
  store.noteOutage(now + 1000, now + 8000, 20_000)
  t.equal(store.claimHolder('live', now + 10_000)?.expiresAt, now + 28_000, 'live until the grace ends')
  t.equal(store.claimHolder('live', now + 28_000), undefined, 'expired after the grace')
  t.equal(store.claimHolder('ended', now + 2000), undefined, 'a claim ended before the outage')
})

test('outage leaves the winner', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(store.claim('k', 'a', 5000, now).content)
  store.noteOutage(now + 1000, now + 8000, 20_000)
  const later = store.claim('k', 'b', 5000, now + 6000)
  store.apply(later.content)
  t.equal(await later.won, true, 'a claim made after the original end')
})

test('overlapping outages keep claims', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(store.claim('k', 'a', 5000, now).content)
  store.noteOutage(now + 1000, now + 2000, 20_000)
  store.noteOutage(now + 10_000, now + 12_000, 20_000)
  t.equal(store.claimHolder('k', now + 30_000)?.expiresAt, now + 32_000, 'extended by the later outage')
  store.noteOutage(now + 60_000, now + 61_000, 20_000)
  t.equal(store.claimHolder('k', now + 62_000), undefined, 'a later, separate outage')
})

test('extended claims are not pruned', async (t) => {
  const store = new DedupStore(60_000)
  const now = Date.now()
  store.apply(store.claim('k', 'a', 1000, now).content)
  store.noteOutage(now + 500, now + 2000, 10_000)
  store.remember({ key: 'r', messageId: 'm', at: now + 5000 }, now + 5000)
  t.equal(store.claimHolder('k', now + 5000)?.owner, 'a')
})
