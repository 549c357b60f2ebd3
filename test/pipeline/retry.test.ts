import { test } from 'tap'
import { planRetry } from '../../src/pipeline/retry.js'

const policy = { maxAttempts: 10, baseDelayMs: 1000, tiersMs: [1000, 5000, 30000, 120000] }

test('backoff doubles per attempt', async (t) => {
  const middle = (): number => 0.5
  t.same(planRetry(policy, 1, undefined, middle), { delayMs: 1000, tierMs: 1000 })
  t.same(planRetry(policy, 2, undefined, middle), { delayMs: 2000, tierMs: 5000 })
  t.same(planRetry(policy, 3, undefined, middle), { delayMs: 4000, tierMs: 5000 })
  t.same(planRetry(policy, 4, undefined, middle), { delayMs: 8000, tierMs: 30000 })
})

test('jitter stays within 20 percent', async (t) => {
  t.equal(planRetry(policy, 3, undefined, () => 0).delayMs, 3200)
  t.equal(planRetry(policy, 3, undefined, () => 0.999999).delayMs, 4800)
})

test('retry-after is a floor', async (t) => {
  const plan = planRetry(policy, 1, 2000, () => 0)
  t.equal(plan.delayMs, 2000)
  t.equal(plan.tierMs, 5000)
  t.equal(planRetry(policy, 5, 2000, () => 0.5).delayMs, 16000, 'a longer backoff wins')
})

test('longest tier caps the delay', async (t) => {
  t.same(planRetry(policy, 12, undefined, () => 0.5), { delayMs: 120000, tierMs: 120000 })
  t.same(planRetry(policy, 1, 999_999, () => 0.5), { delayMs: 120000, tierMs: 120000 })
})

test('no tiers falls back to the base delay', async (t) => {
  t.same(planRetry({ ...policy, tiersMs: [] }, 3, undefined, () => 0.5), { delayMs: 1000, tierMs: 1000 })
})
