/** How long an API query waits for a free PostgreSQL connection before a 503 (database_busy). */
export const API_POOL_QUEUE_MS = 60_000;

/**
 * Every error the HTTP API can answer with, in one registry: a stable code
 * (what integrators match on), the HTTP status, and a default message. Client
 * input never produces a 500; only our own bugs do.
 */
const ERRORS = {
  invalid_json: { status: 400, message: 'the body is not valid JSON' },
  invalid_utf8: {
    status: 400,
    message: 'the body is not valid UTF-8: nothing was stored (it would have been altered)',
  },
  invalid_body: { status: 400, message: 'the body does not match the expected shape' },
  unstorable_value: { status: 400, message: 'a value cannot be stored' },
  bad_request: { status: 400, message: 'malformed request' },
  signature_missing: { status: 401, message: 'the request carries no signature or credentials' },
  signature_invalid: { status: 401, message: 'the signature or credentials do not match' },
  signature_stale: {
    status: 401,
    message: 'the signed timestamp is more than 5 minutes away from now',
  },
  source_not_configured: {
    status: 401,
    message: 'no secret is configured for this source (WEBHOOK_SECRET_<SOURCE>): refused',
  },
  events_not_configured: { status: 401, message: 'EVENTS_TOKEN is not configured: refused' },
  unauthorized: { status: 401, message: 'missing or wrong bearer token' },
  unknown_source: { status: 404, message: 'no adapter and no secret for this source' },
  not_found: { status: 404, message: 'no such route' },
  request_timeout: { status: 408, message: 'the request took too long to arrive' },
  body_too_large: { status: 413, message: 'the body is larger than BODY_LIMIT_BYTES' },
  uri_too_long: { status: 414, message: 'a part of the URL is longer than the server accepts' },
  unsupported_media_type: { status: 415, message: 'send Content-Type: application/json' },
  headers_too_large: {
    status: 431,
    message: 'the request line and headers are larger than the server accepts',
  },
  database_unavailable: {
    status: 503,
    message: 'PostgreSQL is unreachable; nothing was stored, retry later',
  },
  database_busy: {
    status: 503,
    message: `every PostgreSQL connection of this server stayed busy for the pool's queue wait (${API_POOL_QUEUE_MS / 1000} s); nothing was stored, retry later`,
  },
  shutting_down: { status: 503, message: 'the server is shutting down; retry later' },
  internal: { status: 500, message: 'internal error' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERRORS;

/** One problem with the body: where (dot path) and why. */
export interface Issue {
  path: string;
  message: string;
}

export class ApiError extends Error {
  override name = 'ApiError';
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message?: string,
    readonly issues: Issue[] = [],
    readonly retryAfterSeconds?: number,
    options?: ErrorOptions,
  ) {
    super(message ?? ERRORS[code].message, options);
    this.status = ERRORS[code].status;
  }
}

export function invalidBody(issues: Issue[], message?: string): ApiError {
  return new ApiError('invalid_body', message, issues);
}

/** The JSON every error response carries. */
export function errorBody(err: ApiError): {
  error: { code: ErrorCode; message: string; issues?: Issue[] };
} {
  return {
    error: {
      code: err.code,
      message: err.message,
      ...(err.issues.length ? { issues: err.issues } : {}),
    },
  };
}

const CONTENT_LENGTH_MISMATCH = 'the body is not as long as its Content-Length header says';

/** Fastify's own client errors (body limit, content type, …) mapped onto our codes. */
export function fromFastifyError(err: {
  code?: string;
  statusCode?: number;
  message: string;
}): ApiError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new ApiError('body_too_large');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_TYPE':
      return new ApiError('unsupported_media_type');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new ApiError('bad_request', CONTENT_LENGTH_MISMATCH);
    case 'FST_ERR_MAX_PARAM_LENGTH':
      return new ApiError('uri_too_long');
    default:
      break;
  }
  if (err.statusCode === 413) return new ApiError('body_too_large');
  if (err.statusCode === 415) return new ApiError('unsupported_media_type');
  if (err.statusCode === 414) return new ApiError('uri_too_long');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) {
    return new ApiError('bad_request', err.message);
  }
  return undefined;
}

export { isDatabaseUnavailable, isDataException } from '../db/errors.js';
