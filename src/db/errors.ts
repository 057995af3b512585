/**
 * SQLSTATE class 22 (data exception): a value PostgreSQL refuses to store. Our
 * validation should catch these first; this keeps a gap in it a 400, not a 500.
 */
export function isDataException(err: unknown): boolean {
  const code = err instanceof Error ? (err as { code?: unknown }).code : undefined;
  return typeof code === 'string' && code.startsWith('22');
}
