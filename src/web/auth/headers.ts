import type { FastifyRequest } from 'fastify';

/**
 * The review pages' Content-Security-Policy. No inline script at all: the
 * pages' one script is a served file (/review/static/app.js); Bull Board loads its bundle from
 * /review/queues/static ('self'), and its one inline <script> is a JSON data
 * block, which CSP does not execute or block. Styles: the views use <style>
 * blocks and style attributes with computed values (bar widths, chart
 * colours), which a hash cannot cover, so style-src allows inline styles;
 * CSS cannot run code, and every value in them is escaped by format/html.ts.
 */
export const REVIEW_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  // Bull Board's page sets <base href> to its own path, for its relative script URLs.
  "base-uri 'self'",
].join('; ');

/**
 * HTTPS as the browser sees it: TLS here, or — only when TRUST_PROXY says a
 * TLS-terminating proxy is in front — X-Forwarded-Proto https.
 */
export function servedOverHttps(req: FastifyRequest, trustProxy: boolean): boolean {
  if (!trustProxy) return false;
  if (req.protocol === 'https') return true;
  const fwd = req.headers['x-forwarded-proto'];
  const first = (Array.isArray(fwd) ? fwd[0] : fwd)?.split(',')[0]?.trim().toLowerCase();
  return first === 'https';
}
