import type { IncomingHttpHeaders } from 'node:http';
import { sha256Hex } from '../../ticket/hash.js';
import { header } from '../auth.js';

/**
 * Sources without a vendor delivery id may still send one of their own
 * (Freshdesk and ServiceNow let the admin add headers): `X-Delivery-Id` or
 * `Idempotency-Key`, the same across retries. Long values are hashed so the
 * stored key stays small.
 */
export function optionalDeliveryId(headers: IncomingHttpHeaders): string | undefined {
  return boundedDeliveryId(header(headers, 'x-delivery-id') ?? header(headers, 'idempotency-key'));
}

/**
 * A delivery id small enough for its unique index. Header ids are not covered
 * by any signature, so their length is the sender's choice: a long one would
 * otherwise overflow the btree row and turn the delivery into a 500.
 */
export function boundedDeliveryId(v: string | undefined): string | undefined {
  if (!v) return undefined;
  return v.length <= 200 ? v : `sha256:${sha256Hex(v)}`;
}
