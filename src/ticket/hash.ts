import { createHash } from 'node:crypto';
import type { Ticket } from './schema.js';

/**
 * A version of a ticket is identified by the hash of its normalized content.
 * Normalization makes the hash independent of key order, list order that the
 * source does not guarantee (tags), and surrounding whitespace, so a redelivery
 * of the same content is recognised as the same version.
 */
export function normalizeTicket(t: Ticket): Ticket {
  const trim = (s: string) => s.replace(/\r\n/g, '\n').trim();
  return {
    ...t,
    subject: trim(t.subject),
    description: trim(t.description),
    comments: [...t.comments]
      .map((c) => ({ ...c, body: trim(c.body) }))
      .sort((a, b) => a.at.localeCompare(b.at)),
    tags: [...new Set(t.tags.map((x) => x.trim().toLowerCase()))].sort(),
    timeEntries: t.timeEntries.map((e) => ({ ...e, note: trim(e.note) })),
  };
}

/** JSON with object keys sorted at every depth: a stable serialization. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

export function contentHash(t: Ticket): string {
  return sha256Hex(canonicalJson(normalizeTicket(t)));
}
