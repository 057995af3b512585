import { verifyHexSignature } from '../auth.js';
import { invalidBody } from '../errors.js';
import { optionalDeliveryId } from './delivery-id.js';
import type { MapResult, SourceAdapter } from './types.js';

/**
 * Anything that can POST our documented Ticket JSON (HaloPSA, ConnectWise, an
 * in-house tool): `X-Signature: sha256=<hex HMAC-SHA256 of the raw body>`.
 * The URL names the source; a `source` in the body, if present, must agree.
 */
export const genericAdapter: SourceAdapter = {
  auth: 'X-Signature: sha256=<hex HMAC-SHA256 of the body>',
  canonicalBody: true,
  verify: ({ headers, raw }, secrets) => verifyHexSignature(headers, 'x-signature', raw, secrets),
  async map(body, ctx): Promise<MapResult> {
    if (!body || typeof body !== 'object' || Array.isArray(body)) {
      throw invalidBody([
        { path: '(body)', message: 'expected a JSON object (the Ticket schema)' },
      ]);
    }
    const given = (body as { source?: unknown }).source;
    if (given !== undefined && given !== ctx.source) {
      throw invalidBody([
        { path: 'source', message: `must be "${ctx.source}" (the source in the URL) or omitted` },
      ]);
    }
    // The canonical schema validates the rest (with exact paths) after mapping.
    return {
      kind: 'ticket',
      ticket: { ...(body as Record<string, unknown>), source: ctx.source },
      deliveryId: optionalDeliveryId(ctx.headers),
    };
  },
};
