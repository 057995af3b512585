import { newId } from './ids.js';

/** Error types and statuses of the Anthropic API's error envelope. */
export const ERROR_STATUS = {
  invalid_request_error: 400,
  authentication_error: 401,
  permission_error: 403,
  not_found_error: 404,
  request_too_large: 413,
  rate_limit_error: 429,
  api_error: 500,
  overloaded_error: 529,
} as const;

export type ApiErrorType = keyof typeof ERROR_STATUS;

export interface ErrorEnvelope {
  type: 'error';
  error: { type: ApiErrorType; message: string };
  request_id: string | null;
}

/** Thrown anywhere in request handling; the server turns it into the envelope. */
export class SimApiError extends Error {
  readonly status: number;

  constructor(
    readonly type: ApiErrorType,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'SimApiError';
    this.status = ERROR_STATUS[type];
  }

  envelope(requestId: string | null = newId.request()): ErrorEnvelope {
    return {
      type: 'error',
      error: { type: this.type, message: this.message },
      request_id: requestId,
    };
  }
}

export function invalid(message: string): SimApiError {
  return new SimApiError('invalid_request_error', message);
}

/** Coerces anything thrown into an Error, keeping the original as `cause`. */
export function toError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : 'non-Error thrown', { cause: thrown });
}
