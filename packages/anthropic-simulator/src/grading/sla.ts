import type { Facts } from './facts.js';

/**
 * A first-response SLA breach that is unambiguous from the timestamps
 * (escalation.md `vip_or_sla_breach`: "Infer a breach from timestamps only
 * when it holds even allowing for business hours"). Targets from
 * standards.md: urgent 15 minutes around the clock; high 1 hour, normal 4
 * business hours, low 1 business day (business hours 08:00–18:00, Monday to
 * Friday, in the ticket's own UTC offset). Only a clear miss counts: urgent
 * after 2 hours, high after 4 business hours, normal after 2 business days,
 * low after 3 business days.
 */

const DAY_MS = 86_400_000;
const OPEN_H = 8;
const CLOSE_H = 18;

/** Minutes of business time between two instants, in a fixed UTC offset. */
export function businessMinutes(fromMs: number, toMs: number, offsetMin = 0): number {
  if (!(toMs > fromMs)) return 0;
  const shift = offsetMin * 60_000;
  let t = fromMs + shift;
  const end = toMs + shift;
  let total = 0;
  while (t < end) {
    const dayStart = Math.floor(t / DAY_MS) * DAY_MS;
    const weekday = new Date(dayStart).getUTCDay();
    if (weekday !== 0 && weekday !== 6) {
      const open = dayStart + OPEN_H * 3_600_000;
      const close = dayStart + CLOSE_H * 3_600_000;
      const a = Math.max(t, open);
      const b = Math.min(end, close);
      if (b > a) total += (b - a) / 60_000;
    }
    t = dayStart + DAY_MS;
  }
  return Math.floor(total);
}

function offsetOf(iso: string): number {
  const m = /([+-])(\d{2}):?(\d{2})$/.exec(iso);
  if (!m) return 0;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

/** What the first public reply took against its target, when that is a clear miss. */
export function firstResponseBreach(f: Facts): string | undefined {
  if (f.alert || f.t.requester === '') return undefined;
  const created = Date.parse(f.t.createdAt);
  const first = f.publicAgentComments.find((c) => Number.isFinite(Date.parse(c.at)));
  if (!Number.isFinite(created) || !first) return undefined;
  const replied = Date.parse(first.at);
  const offset = offsetOf(f.t.createdAt);
  const calendarMin = (replied - created) / 60_000;
  const business = businessMinutes(created, replied, offset);
  const hours = (m: number) => `${Math.round(m / 6) / 10} h`;
  switch (f.t.priority) {
    case 'urgent':
      return calendarMin > 120
        ? `urgent first response after ${hours(calendarMin)} (target 15 minutes)`
        : undefined;
    case 'high':
      return business > 4 * 60
        ? `high first response after ${hours(business)} of business time (target 1 hour)`
        : undefined;
    case 'normal':
      return business > 2 * 10 * 60
        ? `normal first response after ${hours(business)} of business time (target 4 business hours)`
        : undefined;
    case 'low':
      return business > 3 * 10 * 60
        ? `low first response after ${hours(business)} of business time (target 1 business day)`
        : undefined;
    default:
      return undefined;
  }
}
