/**
 * Settles as `promise` does, or rejects with `onTimeout()` after `ms`,
 * whichever comes first. The timer is cleared once the promise settles and
 * never keeps the process alive. A plain timer, because aborting a
 * timers/promises delay builds an AbortError with a stack trace each time,
 * which cost 9 % of the server's CPU on single-notification requests.
 */
export async function withTimeout<T> (promise: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timedOut = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => { reject(onTimeout()) }, ms)
    timer.unref()
  })
  try {
    return await Promise.race([promise, timedOut])
  } finally {
    clearTimeout(timer)
  }
}
