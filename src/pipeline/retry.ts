export interface RetryPolicy {
  maxAttempts: number
  baseDelayMs: number
  /** Fixed TTLs of the retry queues, ascending. */
  tiersMs: number[]
}

export interface RetryPlan {
  delayMs: number
  /** TTL of the retry queue that keeps the message. */
  tierMs: number
}

/**
 * Plans the wait before attempt `failedAttempts + 1`: exponential backoff
 * from the base delay with ±20 % jitter, never shorter than the channel's
 * Retry-After, and capped by the longest tier. The message waits in the
 * shortest tier whose TTL covers the delay and carries the delay as its
 * own expiration, so it never comes back sooner than planned.
 */
export function planRetry (
  policy: RetryPolicy,
  failedAttempts: number,
  retryAfterMs?: number,
  random: () => number = Math.random
): RetryPlan {
  const longest = policy.tiersMs[policy.tiersMs.length - 1] ?? policy.baseDelayMs
  const backoff = policy.baseDelayMs * 2 ** Math.max(failedAttempts - 1, 0)
  const jittered = Math.round(backoff * (0.8 + 0.4 * random()))
  const requested = Math.max(jittered, retryAfterMs ?? 0)
  const delayMs = Math.min(requested, longest)
  const tierMs = policy.tiersMs.find((tier) => tier >= delayMs) ?? longest
  return { delayMs, tierMs }
}
