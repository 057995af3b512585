import type { Logger } from 'pino';
import type { Config } from '../config.js';
import { webhookSender } from '../notify/webhook.js';

/** A budget message to the team's chat; resolves false (never throws) when it cannot be sent. */
export type BudgetNotify = (text: string) => Promise<boolean>;

/** The same Slack-compatible webhook the chief of staff uses for its notices. */
export function defaultBudgetNotify(config: Config, logger: Logger): BudgetNotify {
  const send = webhookSender({ url: config.NOTIFY_WEBHOOK_URL, logger });
  return (text) => send({ text });
}
