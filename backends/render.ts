import { DeliveryError } from '../src/errors.js'

/**
 * Runs a renderer and turns its failure into a permanent DeliveryError:
 * an invalid operator template fails the same way on every attempt.
 */
export function renderOrReject<Message> (service: string, render: () => Message): Message {
  try {
    return render()
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new DeliveryError(`Rendering the ${service} message failed: ${reason}`, {
      retryable: false,
      cause: error
    })
  }
}
