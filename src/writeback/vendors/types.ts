import type { Send } from '../http.js';

export type Part = 'note' | 'tags' | 'post';
export type Vendor = 'zendesk' | 'jira' | 'freshdesk' | 'servicenow' | 'generic';

/** Where and as whom one source writes back (from the config; see settings.ts). */
export interface Target {
  vendor: Vendor;
  parts: Part[];
  /** The vendor's API root, e.g. https://acme.zendesk.com (no trailing slash). */
  baseUrl: string;
  /** The Authorization header value (least-privilege integration user). */
  authorization: string;
  /** ServiceNow table (incident). */
  table?: string;
  /** Generic: the HMAC secret for X-Signature. */
  secret?: string;
}

/** What one outbox row asks the help desk to show. */
export interface Write {
  externalId: string;
  note: string;
  /** The marker the note ends with: how a retry finds a note whose answer was lost. */
  marker: string;
  /** Tags/labels to add and to remove (an outcome that changed). */
  tags: { add: string[]; remove: string[] };
  /** Generic: the JSON posted. */
  json: unknown;
}

/** One idempotent unit of a write: a retry skips the steps already done. */
export interface Step {
  name: string;
  run(send: Send): Promise<void>;
  /**
   * On a retry: did an earlier attempt already take effect (the vendor wrote
   * the note but its answer was lost)? Reads the ticket for our marker.
   */
  landed?(send: Send): Promise<boolean>;
}
