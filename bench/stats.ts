/* Small statistics for benchmark samples. */

export interface LatencySummary {
  count: number
  p50: number
  p99: number
  max: number
}

/** Returns the count, median, 99th percentile and maximum of `values`. */
export function summarize (values: ArrayLike<number>): LatencySummary {
  const sorted = Float64Array.from(values).sort()
  return {
    count: sorted.length,
    p50: nearestRank(sorted, 50),
    p99: nearestRank(sorted, 99),
    max: sorted[sorted.length - 1] ?? Number.NaN
  }
}

/** The `p`-th percentile of sorted values by the nearest-rank method, NaN when empty. */
function nearestRank (sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN
  const rank = Math.min(Math.max(Math.ceil((p / 100) * sorted.length), 1), sorted.length)
  return sorted[rank - 1] ?? Number.NaN
}

/** Least-squares slope of y over x, in y units per x unit; NaN for fewer than 2 points. */
export function slope (points: Array<{ x: number, y: number }>): number {
  if (points.length < 2) return Number.NaN
  const meanX = points.reduce((sum, point) => sum + point.x, 0) / points.length
  const meanY = points.reduce((sum, point) => sum + point.y, 0) / points.length
  let covariance = 0
  let variance = 0
  for (const { x, y } of points) {
    covariance += (x - meanX) * (y - meanY)
    variance += (x - meanX) ** 2
  }
  return variance === 0 ? Number.NaN : covariance / variance
}

/** Formats a number with `digits` decimals and thin grouping, or `n/a`. */
export function fixed (value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a'
  return value.toLocaleString('en-US', {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits
  })
}

export function megabytes (bytes: number, digits = 1): string {
  return `${fixed(bytes / 1024 / 1024, digits)} MB`
}
