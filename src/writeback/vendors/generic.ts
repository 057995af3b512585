import { createHmac } from 'node:crypto';
import type { Step, Target, Write } from './types.js';

/**
 * Any other help desk: the verdict JSON POSTed to WRITEBACK_GENERIC_URL,
 * signed the way our own generic webhook is verified — `X-Signature:
 * sha256=<hex HMAC-SHA256 of the exact body>` — with a timestamp header so a
 * receiver can refuse replays.
 */
export function genericSteps(t: Target, w: Write, now = Date.now): Step[] {
  if (!t.parts.includes('post')) return [];
  return [
    {
      name: 'post',
      run: async (send) => {
        const body = JSON.stringify(w.json);
        const ts = String(Math.floor(now() / 1000));
        const sig = createHmac('sha256', t.secret ?? '')
          .update(body)
          .digest('hex');
        await send({
          method: 'POST',
          url: t.baseUrl,
          headers: {
            'content-type': 'application/json',
            'x-signature': `sha256=${sig}`,
            'x-ticket-qc-timestamp': ts,
          },
          body,
        });
      },
    },
  ];
}
