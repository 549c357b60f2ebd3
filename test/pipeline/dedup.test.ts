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
