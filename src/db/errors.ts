/**
 * SQLSTATE class 22 (data exception): a value PostgreSQL refuses to store. Our
 * validation should catch these first; this keeps a gap in it a 400, not a 500.
 */
export function isDataException(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}

// SQLSTATE: 08 connection exception, 57P admin shutdown / cannot connect
// now, 53 insufficient resources (too many connections), 28 and 3D000
// (credentials or database gone): all "try again later", none the client's fault.
const UNAVAILABLE_SQLSTATE = /^(08|57P|53|28|3D000)/;
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'EPIPE',
  'EAI_AGAIN',
]);

/** True when the error means "PostgreSQL cannot be reached", not "the query is wrong". */
export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (
    typeof code === 'string' &&
    (UNAVAILABLE_SQLSTATE.test(code) || UNAVAILABLE_NODE_CODES.has(code))
  ) {
    return true;
  }
  // node-postgres reports pool and socket trouble with plain messages.
  // "timeout expired": the server did not complete the connect in PoolOptions.connectTimeoutMs.
  return /timeout exceeded when trying to connect|timeout expired|Connection terminated|connect ECONNREFUSED|Client has encountered a connection error|terminating connection/i.test(
    err.message,
  );
}
