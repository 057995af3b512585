import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { ApiError, errorBody, fromFastifyError, type Issue } from './errors.js';

/**
 * The errors that never reach a route's error handler, answered in the same
 * {"error":{"code","message"}} envelope as every other: what Node's HTTP
 * parser refuses before Fastify sees a request (431, a malformed
 * Content-Length, a request that never finishes arriving), what Fastify's
 * router refuses (414 for an over-long path parameter, a URL it cannot
 * decode), and what a route's schema refuses.
 */

/** Node's parser errors: there is no request yet, so the answer is written to the socket. */
export function clientErrorHandler(
  log: FastifyBaseLogger,
): (err: Error & { code?: string }, socket: Duplex) => void {
  return (err, socket) => {
    // A reset connection has nobody to answer.
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const e =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? new ApiError('headers_too_large')
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? new ApiError('request_timeout')
          : err.code === 'HPE_INVALID_CONTENT_LENGTH' ||
              err.code === 'HPE_UNEXPECTED_CONTENT_LENGTH'
            ? new ApiError(
                'bad_request',
                'the Content-Length header is invalid or contradicts Transfer-Encoding',
              )
            : new ApiError('bad_request');
    log.debug({ err: err.message, code: err.code, status: e.status }, 'client error');
    if (socket.writable) {
      const body = JSON.stringify(errorBody(e));
      socket.write(
        `HTTP/1.1 ${e.status} ${STATUS_CODES[e.status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(err);
  };
}

/** Fastify's router errors (FST_ERR_MAX_PARAM_LENGTH → 414, FST_ERR_BAD_URL → 400). */
export function frameworkErrors(err: FastifyError, req: FastifyRequest, reply: FastifyReply): void {
  const e = fromFastifyError(err) ?? new ApiError('bad_request');
  req.log.info(
    { url: req.url.slice(0, 100), ip: req.ip, status: e.status, code: e.code },
    e.message,
  );
  void reply.code(e.status).send(errorBody(e));
}

/** "/events/0/agent" → "events.0.agent"; the whole body is "(body)", as in adapter errors. */
function pathOf(instancePath: string): string {
  return instancePath.split('/').slice(1).join('.') || '(body)';
}

/** A route schema's refusal: invalid_body for the body, bad_request for the URL, each with its paths. */
export function fromValidationError(err: unknown): ApiError | undefined {
  if (!hasZodFastifySchemaValidationErrors(err)) return undefined;
  const issues: Issue[] = err.validation.map((v) => ({
    path: pathOf(v.instancePath),
    message: v.message ?? 'invalid',
  }));
  const where = (err as { validationContext?: string }).validationContext;
  return where === 'body'
    ? new ApiError('invalid_body', undefined, issues)
    : new ApiError(
        'bad_request',
        `the ${where ?? 'request'} does not match what the route accepts`,
        issues,
      );
}
