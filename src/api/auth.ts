import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type { ErrorCode } from './errors.js';

/**
 * Signature and credential checks shared by the source adapters. Every
 * comparison is constant-time; values of different lengths are compared
 * through their SHA-256 so the length itself does not leak through timing.
 */

export type AuthResult =
  | { ok: true }
  | { ok: false; code: Extract<ErrorCode, `signature_${string}`> };

const OK: AuthResult = { ok: true };
const MISSING: AuthResult = { ok: false, code: 'signature_missing' };
const INVALID: AuthResult = { ok: false, code: 'signature_invalid' };
const STALE: AuthResult = { ok: false, code: 'signature_stale' };

/** Signed timestamps further than this from our clock are refused (replays). */
const MAX_SKEW_MS = 5 * 60_000;

export function safeEqual(a: string | Buffer, b: string | Buffer): boolean {
  const ha = createHash('sha256').update(a).digest();
  const hb = createHash('sha256').update(b).digest();
  return timingSafeEqual(ha, hb);
}

/**
 * Accepts when the raw HMAC-SHA256 digest under any configured secret equals
 * `given` (the decoded signature). Both are digests of the same fixed length
 * (32 bytes; the caller checks the given one's), so they are compared as they
 * are, with no hex or base64 strings built and no hashing of hashes.
 */
function anyDigestMatches(
  secrets: string[],
  given: Buffer,
  ...parts: (string | Buffer)[]
): boolean {
  if (given.length !== 32) return false;
  let matched = false;
  // No early exit: every secret is tried, so timing does not say which one matched.
  for (const secret of secrets) if (timingSafeEqual(hmac(secret, parts), given)) matched = true;
  return matched;
}

/** Accepts when any of the configured secrets (a rotation pair) equals `given`. */
function anyMatches(secrets: string[], given: string): boolean {
  let matched = false;
  // No early exit: every secret is tried, so timing does not say which one matched.
  for (const secret of secrets) if (safeEqual(secret, given)) matched = true;
  return matched;
}

export function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  const s = Array.isArray(v) ? v[0] : v;
  return s === undefined || s.trim() === '' ? undefined : s.trim();
}

/** The raw HMAC-SHA256 digest of the parts, in order. */
function hmac(secret: string, parts: readonly (string | Buffer)[]): Buffer {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest();
}

export function hmacHex(secret: string, ...parts: (string | Buffer)[]): string {
  return hmac(secret, parts).toString('hex');
}

export function hmacBase64(secret: string, ...parts: (string | Buffer)[]): string {
  return hmac(secret, parts).toString('base64');
}

const SHA256_HEX = /^sha256=[0-9a-fA-F]{64}$/;
/** Standard base64 of 32 bytes, exactly: a lenient decode must not accept variants. */
const BASE64_32 = /^[A-Za-z0-9+/]{43}=$/;

/** `sha256=<hex HMAC of the raw body>` (Jira's X-Hub-Signature, our X-Signature). */
export function verifyHexSignature(
  headers: IncomingHttpHeaders,
  headerName: string,
  raw: Buffer,
  secrets: string[],
): AuthResult {
  const given = header(headers, headerName);
  if (!given) return MISSING;
  if (!SHA256_HEX.test(given)) return INVALID;
  return anyDigestMatches(secrets, Buffer.from(given.slice(7), 'hex'), raw) ? OK : INVALID;
}

/**
 * Zendesk: base64(HMAC-SHA256(secret, timestamp + raw body)), timestamp in
 * its own header (ISO-8601). The timestamp is checked after the signature so
 * a forged request cannot learn anything about our clock.
 */
export function verifyZendeskSignature(
  headers: IncomingHttpHeaders,
  raw: Buffer,
  secrets: string[],
  now: number,
): AuthResult {
  const signature = header(headers, 'x-zendesk-webhook-signature');
  const timestamp = header(headers, 'x-zendesk-webhook-signature-timestamp');
  if (!signature || !timestamp) return MISSING;
  if (!BASE64_32.test(signature)) return INVALID;
  if (!anyDigestMatches(secrets, Buffer.from(signature, 'base64'), timestamp, raw)) return INVALID;
  const at = Date.parse(timestamp);
  if (!Number.isFinite(at) || Math.abs(now - at) > MAX_SKEW_MS) return STALE;
  return OK;
}

/**
 * Shared-secret sources (Freshdesk, ServiceNow): the secret is either
 * `user:password` (HTTP Basic) or a token sent as `Authorization: Bearer`
 * or in `X-Webhook-Token`.
 */
export function verifySharedSecret(headers: IncomingHttpHeaders, secrets: string[]): AuthResult {
  const authorization = header(headers, 'authorization');
  const tokenHeader = header(headers, 'x-webhook-token');
  if (!authorization && !tokenHeader) return MISSING;
  const candidates: string[] = [];
  if (tokenHeader) candidates.push(tokenHeader);
  if (authorization) {
    const [scheme, value = ''] = authorization.split(/\s+/, 2);
    if (scheme?.toLowerCase() === 'bearer') candidates.push(value);
    else if (scheme?.toLowerCase() === 'basic') {
      candidates.push(Buffer.from(value, 'base64').toString('utf8'));
    } else return INVALID;
  }
  let matched = false;
  for (const given of candidates) if (anyMatches(secrets, given)) matched = true;
  return matched ? OK : INVALID;
}
