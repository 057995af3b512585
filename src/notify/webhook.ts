import type { Logger } from 'pino';
import { toError } from '../logger.js';

/**
 * A Slack-compatible incoming webhook: POST {"text": …} as JSON. Teams'
 * and Mattermost's incoming webhooks take the same body. Delivery is best
 * effort — a bounded timeout, one log line on failure, never an exception —
 * because a notification must never fail a grade or a chief pass.
 */

export interface WebhookMessage {
  text: string;
  /** Slack Block Kit blocks; other receivers ignore them and show `text`. */
  blocks?: unknown[];
}

export interface WebhookOptions {
  url: string | undefined;
  logger: Logger;
  timeoutMs?: number;
  fetch?: typeof fetch;
}

export type Send = (message: WebhookMessage) => Promise<boolean>;

export function webhookSender(opts: WebhookOptions): Send {
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 5_000;
  return async (message) => {
    if (!opts.url) return false;
    try {
      const res = await doFetch(opts.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(message),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!res.ok) {
        const body = (await res.text().catch(() => '')).slice(0, 200);
        opts.logger.warn({ status: res.status, body }, 'notification webhook refused the message');
        return false;
      }
      await res.body?.cancel().catch(() => undefined);
      return true;
    } catch (err) {
      // The URL may carry a secret token in its path: log the host only.
      const host = safeHost(opts.url);
      opts.logger.warn({ host, err: toError(err).message }, 'notification webhook unreachable');
      return false;
    }
  };
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid url)';
  }
}
