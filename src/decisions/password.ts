import { randomBytes, type ScryptOptions, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Password hashes for REVIEW_USERS: `scrypt$<log2 N>$<r>$<p>$<salt>$<hash>`,
 * base64url parts — no ':' or ',' so a hash sits inside `name:role:hash,…`.
 * The parameters travel with the hash, so they can be raised later without
 * invalidating the hashes already handed out.
 */

const KEY_LENGTH = 32;
const DEFAULT = { log2n: 15, r: 8, p: 1 };

function derive(password: string, salt: Buffer, o: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // maxmem must cover 128·N·r bytes; the default (32 MiB) is exactly N=2^15, r=8.
    scrypt(password, salt, KEY_LENGTH, { ...o, maxmem: 256 * 1024 * 1024 }, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, opts = DEFAULT): Promise<string> {
  if (password.length < 8) throw new Error('a password needs at least 8 characters');
  const salt = randomBytes(16);
  const key = await derive(password, salt, { N: 2 ** opts.log2n, r: opts.r, p: opts.p });
  return [
    'scrypt',
    opts.log2n,
    opts.r,
    opts.p,
    salt.toString('base64url'),
    key.toString('base64url'),
  ].join('$');
}

interface Parsed {
  log2n: number;
  r: number;
  p: number;
  salt: Buffer;
  key: Buffer;
}

function parseHash(stored: string): Parsed | undefined {
  const [kind, log2n, r, p, salt, key] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !key) return undefined;
  const n = { log2n: Number(log2n), r: Number(r), p: Number(p) };
  if (![n.log2n, n.r, n.p].every((x) => Number.isInteger(x) && x > 0) || n.log2n > 20)
    return undefined;
  return { ...n, salt: Buffer.from(salt, 'base64url'), key: Buffer.from(key, 'base64url') };
}

// Unknown users are checked against this, so a wrong name costs as long as a wrong password.
const DUMMY: Parsed = { ...DEFAULT, salt: Buffer.alloc(16), key: Buffer.alloc(KEY_LENGTH) };

export async function verifyPassword(
  password: string,
  stored: string | undefined,
): Promise<boolean> {
  const parsed = stored ? parseHash(stored) : undefined;
  const h = parsed ?? DUMMY;
  const key = await derive(password, h.salt, { N: 2 ** h.log2n, r: h.r, p: h.p });
  return parsed !== undefined && key.length === h.key.length && timingSafeEqual(key, h.key);
}
