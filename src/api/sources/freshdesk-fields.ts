import { z } from 'zod';
import type { TicketInput } from '../../ticket/schema.js';
import { invalidBody } from '../errors.js';
import { compact, lookup } from './util.js';

/** Freshdesk's status and priority, as names (webhook placeholders) or codes (REST API). */

export const Status = z.union([z.string().min(1), z.number().int()]);
export const Priority = z.union([z.string(), z.number().int()]).nullish();

const STATUS_NAMES: Record<string, TicketInput['status']> = {
  open: 'open',
  pending: 'pending',
  resolved: 'solved',
  closed: 'closed',
  'waiting on customer': 'pending',
  'waiting on third party': 'pending',
};
const STATUS_CODES: Record<string, TicketInput['status']> = {
  2: 'open',
  3: 'pending',
  4: 'solved',
  5: 'closed',
};
const PRIORITIES: Record<string, TicketInput['priority']> = {
  '1': 'low',
  low: 'low',
  '2': 'normal',
  medium: 'normal',
  '3': 'high',
  high: 'high',
  '4': 'urgent',
  urgent: 'urgent',
};

export function statusOrUndefined(v: string | number): TicketInput['status'] | undefined {
  // Custom statuses (codes 6+) are "waiting on …" states in Freshdesk's own defaults.
  if (typeof v === 'number')
    return lookup(STATUS_CODES, String(v)) ?? (v > 5 ? 'pending' : undefined);
  const t = v.trim().toLowerCase();
  // Placeholders render codes as text now and then ("4").
  if (/^\d+$/.test(t)) return statusOrUndefined(Number(t));
  return lookup(STATUS_NAMES, t);
}

export function status(v: string | number, path: string): TicketInput['status'] {
  const s = statusOrUndefined(v);
  if (!s) throw invalidBody([{ path, message: `unknown Freshdesk status "${v}"` }]);
  return s;
}
export const priority = (v: string | number | null | undefined) =>
  v === null || v === undefined
    ? 'normal'
    : (lookup(PRIORITIES, String(v).toLowerCase()) ?? 'normal');

export function person(name?: string, email?: string, id?: string) {
  return name || email || id ? compact({ name, email, id }) : undefined;
}
