/** Tests reach PostgreSQL at TEST_DATABASE_URL's server (default local, trust auth). */
export function serverUrl(): URL {
  return new URL(process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres');
}

export function dbUrl(name: string): string {
  const u = serverUrl();
  u.pathname = `/${name}`;
  return u.toString();
}

export function adminUrl(): string {
  return dbUrl('postgres');
}

export const REDIS_URL = process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
