import { type Config, freshdeskBaseUrl } from '../config.js';
import { basic } from './http.js';
import type { Part, Target, Vendor } from './vendors/index.js';

/** Everything the write-back reads from the config, resolved once at start. */
export interface WritebackSettings {
  /** Source name → where it writes; a source absent here has write-back off. */
  targets: Partial<Record<string, Target>>;
  /** Why a source asked for write-back cannot have it (missing credentials): logged at start. */
  problems: string[];
  /** What is on but incomplete (no echo identity): logged at start. */
  warnings: string[];
  tags: { pass: string; fail: string; escalate: string };
  ratePerMinute: number;
  attempts: number;
  backoffMs: number;
  maxRetryAfterMs: number;
  timeoutMs: number;
  maxAgeMs: number;
  history: boolean;
  pollIntervalMs: number;
  reviewBaseUrl: string | undefined;
}

const trim = (u: string) => u.replace(/\/+$/, '');

function target(vendor: Vendor, parts: Part[], c: Config): { target?: Target; problem?: string } {
  if (parts.length === 0) return {};
  const need = (what: string) => ({
    problem: `WRITEBACK_${vendor.toUpperCase()} is set but ${what}`,
  });
  switch (vendor) {
    case 'zendesk': {
      const base =
        c.ZENDESK_API_BASE_URL ??
        (c.ZENDESK_SUBDOMAIN ? `https://${c.ZENDESK_SUBDOMAIN}.zendesk.com` : undefined);
      if (!base || !c.ZENDESK_EMAIL || !c.ZENDESK_API_TOKEN)
        return need(
          'ZENDESK_SUBDOMAIN (or ZENDESK_API_BASE_URL), ZENDESK_EMAIL and ZENDESK_API_TOKEN are not',
        );
      return {
        target: {
          vendor,
          parts,
          baseUrl: trim(base),
          authorization: basic(`${c.ZENDESK_EMAIL}/token`, c.ZENDESK_API_TOKEN),
        },
      };
    }
    case 'jira':
      if (!c.JIRA_BASE_URL || !c.JIRA_EMAIL || !c.JIRA_API_TOKEN)
        return need('JIRA_BASE_URL, JIRA_EMAIL and JIRA_API_TOKEN are not');
      return {
        target: {
          vendor,
          parts,
          baseUrl: trim(c.JIRA_BASE_URL),
          authorization: basic(c.JIRA_EMAIL, c.JIRA_API_TOKEN),
        },
      };
    case 'freshdesk': {
      const site = freshdeskBaseUrl(c);
      if (!site || !c.FRESHDESK_API_KEY)
        return need('FRESHDESK_DOMAIN (or FRESHDESK_API_BASE_URL) and FRESHDESK_API_KEY are not');
      return {
        target: {
          vendor,
          parts,
          baseUrl: trim(site),
          authorization: basic(c.FRESHDESK_API_KEY, 'X'),
        },
      };
    }
    case 'servicenow':
      if (!c.SERVICENOW_INSTANCE_URL || !c.SERVICENOW_USER || !c.SERVICENOW_PASSWORD)
        return need('SERVICENOW_INSTANCE_URL, SERVICENOW_USER and SERVICENOW_PASSWORD are not');
      return {
        target: {
          vendor,
          parts,
          baseUrl: trim(c.SERVICENOW_INSTANCE_URL),
          authorization: basic(c.SERVICENOW_USER, c.SERVICENOW_PASSWORD),
          table: c.SERVICENOW_TABLE,
        },
      };
    case 'generic':
      if (!c.WRITEBACK_GENERIC_URL || !c.WRITEBACK_GENERIC_SECRET)
        return need('WRITEBACK_GENERIC_URL and WRITEBACK_GENERIC_SECRET are not');
      return {
        target: {
          vendor,
          parts: ['post'],
          baseUrl: c.WRITEBACK_GENERIC_URL,
          authorization: '',
          secret: c.WRITEBACK_GENERIC_SECRET,
        },
      };
  }
}

export function writebackSettingsOf(c: Config): WritebackSettings {
  const targets: Partial<Record<string, Target>> = {};
  const problems: string[] = [];
  const warnings: string[] = [];
  const asked: [Vendor, Part[]][] = [
    ['zendesk', c.WRITEBACK_ZENDESK],
    ['jira', c.WRITEBACK_JIRA],
    ['freshdesk', c.WRITEBACK_FRESHDESK],
    ['servicenow', c.WRITEBACK_SERVICENOW],
    ['generic', c.WRITEBACK_GENERIC],
  ];
  for (const [vendor, parts] of asked) {
    const r = target(vendor, parts, c);
    if (r.target) targets[vendor] = r.target;
    if (r.problem) problems.push(r.problem);
  }
  // Without our integration user's identity only the marker of a private note is recognised:
  // the echo of a tag change would be stored as a version and graded again (to no new note).
  const identity: [string, string | undefined][] = [
    ['zendesk', c.ZENDESK_BOT_USER_ID],
    ['jira', c.JIRA_BOT_ACCOUNT_ID],
    ['freshdesk', c.FRESHDESK_BOT_EMAIL],
  ];
  for (const [source, id] of identity)
    if (targets[source] && !id)
      warnings.push(
        `write-back is on for ${source} but its integration user is not set (${{ zendesk: 'ZENDESK_BOT_USER_ID', jira: 'JIRA_BOT_ACCOUNT_ID', freshdesk: 'FRESHDESK_BOT_EMAIL' }[source]}): the webhooks our tag changes cause will be graded again`,
      );
  return {
    targets,
    problems,
    warnings,
    tags: c.WRITEBACK_TAGS,
    ratePerMinute: c.WRITEBACK_RATE_PER_MINUTE,
    attempts: c.WRITEBACK_ATTEMPTS,
    backoffMs: c.WRITEBACK_BACKOFF,
    maxRetryAfterMs: c.WRITEBACK_MAX_RETRY_AFTER,
    timeoutMs: c.WRITEBACK_TIMEOUT,
    maxAgeMs: c.WRITEBACK_MAX_AGE,
    history: c.WRITEBACK_HISTORY,
    pollIntervalMs: c.WRITEBACK_POLL_INTERVAL,
    reviewBaseUrl: c.REVIEW_BASE_URL ? trim(c.REVIEW_BASE_URL) : undefined,
  };
}
