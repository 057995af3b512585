export const VENDORS = ['zendesk', 'jira', 'freshdesk', 'servicenow', 'generic'] as const;
export type Vendor = (typeof VENDORS)[number];

/** One request as it arrived, after the vendor prefix was taken off the path. */
export interface RecordedRequest {
  seq: number;
  vendor: Vendor;
  method: string;
  /** The vendor's own path, e.g. `/api/v2/tickets/5158.json`. */
  path: string;
  query: Record<string, string>;
  /** Lower-case header names. */
  headers: Record<string, string>;
  rawBody: string;
  /** The parsed JSON body (undefined when empty or not JSON). */
  body: unknown;
  /** What the fake answered. */
  status: number;
  at: number;
}

/** A canned failure: the next `times` matching requests get this answer instead. */
export interface Fault {
  vendor?: Vendor;
  method?: string;
  /** Matches when the vendor path contains this text. */
  pathIncludes?: string;
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
  /** How many requests it answers (default 1). */
  times?: number;
  /**
   * A lost answer: the help desk does the work (the note is stored) and the
   * client gets this fault instead of the real answer — a timeout after the
   * write, as far as the client can tell.
   */
  afterHandling?: boolean;
}

/** A note as the help desk would show it: `public` is what a customer could see. */
export interface StoredNote {
  vendor: Vendor;
  ticket: string;
  id: string;
  body: string;
  public: boolean;
  field?: string;
}

export interface Reply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

export interface VendorRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
}
