import { STATUS_CODES } from 'node:http'
import type { FastifyReply, FastifyRequest } from 'fastify'
import { NotFoundError } from './errors.js'

/** Builds the JSON body of an error response: `{error, code, message}`. */
export function errorBody (error: { code?: string, message: string }, status: number, extra: object = {}): object {
  return { error: STATUS_CODES[status], code: error.code, message: error.message, ...extra }
}

/**
 * Returns a handler that answers an unknown route with a JSON 404 whose
 * message names the routes the program serves.
 */
export function notFoundHandler (routes: string) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const error = new NotFoundError(request.method, request.url.split('?')[0], routes)
    return await reply.code(404).send(errorBody(error, 404))
  }
}
