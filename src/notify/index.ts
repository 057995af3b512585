import type { Logger } from 'pino';
import {
  type EscalationNotice,
  escalationText,
  type OperationalNotice,
  operationalText,
  type ProposalNotice,
  proposalText,
} from './messages.js';
import { webhookSender } from './webhook.js';

/**
 * Notifications to team leads through NOTIFY_WEBHOOK_URL: new escalations
 * and new proposals. Without a URL every method is a no-op. Never throws.
 */

export type { EscalationNotice, OperationalNotice, ProposalNotice } from './messages.js';
export { escalationText, operationalText, proposalText } from './messages.js';
export { type WebhookMessage, webhookSender } from './webhook.js';

export interface Notifier {
  readonly enabled: boolean;
  escalations(e: EscalationNotice): Promise<boolean>;
  proposal(p: ProposalNotice): Promise<boolean>;
  /** Optional so hand-made notifiers in tests stay valid. */
  operational?(n: OperationalNotice): Promise<boolean>;
}

export function createNotifier(opts: {
  url: string | undefined;
  logger: Logger;
  timeoutMs?: number;
  fetch?: typeof fetch;
}): Notifier {
  const send = webhookSender(opts);
  return {
    enabled: Boolean(opts.url),
    escalations: (e) =>
      e.escalations.length === 0 ? Promise.resolve(false) : send({ text: escalationText(e) }),
    proposal: (p) => send({ text: proposalText(p) }),
    operational: (n) => send({ text: operationalText(n) }),
  };
}

/**
 * For the QC path: announce a freshly stored result's escalations. Call it
 * after the transaction commits, and only for a new result (not a duplicate);
 * it resolves false instead of throwing.
 */
export function notifyEscalations(
  notifier: Notifier | undefined,
  e: EscalationNotice,
): Promise<boolean> {
  return notifier ? notifier.escalations(e) : Promise.resolve(false);
}
