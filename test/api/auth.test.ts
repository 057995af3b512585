import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger.js';
import {
  deliver,
  fixture,
  type Harness,
  SECRETS,
  SOURCES,
  type Source,
  signedHeaders,
  startHarness,
  ticketRows,
} from './helpers.js';

/** Signature good / bad / stale / missing → 202 / 401 / 401 / 401, for every source; secrets never logged. */

const BODY: Record<Source, string> = {
  zendesk: fixture('zendesk/status-changed.json'),
  jira: fixture('jira/issue-resolved.json'),
  freshdesk: fixture('freshdesk/simple-resolved.json'),
  servicenow: fixture('servicenow/incident-resolved.json'),
  generic: fixture('generic/ticket.json'),
};

const logLines: string[] = [];
const sink = new Writable({
  write(chunk, _enc, done) {
    logLines.push(String(chunk));
    done();
  },
});

describe('webhook authentication', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ logger: createLogger({ level: 'debug', destination: sink }) });
  });
  afterAll(() => h.close());

  for (const source of SOURCES) {
    describe(source, () => {
      it('missing → 401 signature_missing', async () => {
        const res = await deliver(h, source, BODY[source], { 'content-type': 'application/json' });
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('signature_missing');
      });

      it('bad (wrong secret) → 401 signature_invalid', async () => {
        const res = await deliver(
          h,
          source,
          BODY[source],
          signedHeaders(source, BODY[source], { secret: 'not-the-secret' }),
        );
        expect(res.statusCode).toBe(401);
        expect(res.json().error.code).toBe('signature_invalid');
      });

      if (source === 'jira' || source === 'generic' || source === 'zendesk') {
        it('bad (body changed after signing) → 401', async () => {
          const headers = signedHeaders(source, BODY[source]);
          const res = await deliver(h, source, BODY[source].replace('}', ' }'), headers);
          expect(res.statusCode).toBe(401);
        });
      }

      it('good → 202, stored', async () => {
        const res = await deliver(h, source, BODY[source]);
        expect(res.statusCode, res.body).toBe(202);
        expect(await ticketRows(h, source)).toHaveLength(1);
      });
    });
  }

  it('a signature of the wrong shape is invalid; upper-case hex is the same signature', async () => {
    const body = BODY.generic;
    const good = signedHeaders('generic', body)['x-signature'] as string;
    const hex = good.slice('sha256='.length);
    for (const bad of [`sha256=${hex.slice(2)}`, `sha256=${hex}00`, hex, `sha1=${hex}`]) {
      const res = await deliver(h, 'generic', body, {
        'content-type': 'application/json',
        'x-signature': bad,
      });
      expect(res.json().error.code, bad).toBe('signature_invalid');
    }
    const upper = await deliver(h, 'generic', body, {
      'content-type': 'application/json',
      'x-signature': `sha256=${hex.toUpperCase()}`,
    });
    expect(upper.statusCode, upper.body).toBe(202);
    const z = signedHeaders('zendesk', BODY.zendesk);
    const sig = z['x-zendesk-webhook-signature'] as string;
    // base64 decoding is lenient: a signature with junk around it must not decode to a match.
    for (const bad of [`${sig}=`, sig.replace('=', ''), `${sig.slice(0, 10)}!${sig.slice(10)}`]) {
      const res = await deliver(h, 'zendesk', BODY.zendesk, {
        ...z,
        'x-zendesk-webhook-signature': bad,
      });
      expect(res.json().error.code, bad).toBe('signature_invalid');
    }
  });

  it('zendesk: a signature over a timestamp older than 5 minutes → 401 signature_stale', async () => {
    const old = new Date(Date.now() - 6 * 60_000).toISOString();
    const res = await deliver(
      h,
      'zendesk',
      BODY.zendesk,
      signedHeaders('zendesk', BODY.zendesk, { timestamp: old }),
    );
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('signature_stale');
    const future = new Date(Date.now() + 6 * 60_000).toISOString();
    const res2 = await deliver(
      h,
      'zendesk',
      BODY.zendesk,
      signedHeaders('zendesk', BODY.zendesk, { timestamp: future }),
    );
    expect(res2.json().error.code).toBe('signature_stale');
  });

  it('accepts the older secret of a rotation pair', async () => {
    const body = BODY.zendesk.replace('cbe4028c', 'aaaa028c');
    const res = await deliver(
      h,
      'zendesk',
      body,
      signedHeaders('zendesk', body, { secret: 'zd-secret-old' }),
    );
    expect(res.statusCode).toBe(202);
  });

  it('shared-secret sources accept Basic, Bearer and X-Webhook-Token', async () => {
    const body = BODY.servicenow;
    const variants: Record<string, string>[] = [
      { authorization: `Basic ${Buffer.from(SECRETS.servicenow).toString('base64')}` },
      { 'x-webhook-token': SECRETS.servicenow },
      { authorization: 'Bearer wrong', 'x-webhook-token': SECRETS.servicenow },
    ];
    for (const headers of variants) {
      const res = await deliver(h, 'servicenow', body, {
        'content-type': 'application/json',
        ...headers,
      });
      expect(res.statusCode, JSON.stringify(headers)).toBe(202);
    }
    const bad = await deliver(h, 'servicenow', body, {
      'content-type': 'application/json',
      authorization: 'Digest abc',
    });
    expect(bad.statusCode).toBe(401);
  });

  it('never writes a secret or signature to the log', () => {
    const all = logLines.join('\n');
    expect(logLines.some((l) => l.includes('webhooks stored'))).toBe(true);
    for (const secret of [
      ...Object.values(SECRETS),
      'zd-secret-old',
      Buffer.from(SECRETS.freshdesk).toString('base64'),
    ]) {
      expect(all).not.toContain(secret);
    }
  });
});

describe('a source without a secret is refused, never open', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({ env: { WEBHOOK_SECRET_JIRA: '' } });
  });
  afterAll(() => h.close());

  it('known vendor without WEBHOOK_SECRET_<SOURCE> → 401 source_not_configured, even unsigned or signed with anything', async () => {
    for (const headers of [
      { 'content-type': 'application/json' },
      signedHeaders('jira', BODY.jira, { secret: '' }),
    ]) {
      const res = await deliver(h, 'jira', BODY.jira, headers);
      expect(res.statusCode).toBe(401);
      expect(res.json().error.code).toBe('source_not_configured');
    }
    expect(await ticketRows(h)).toHaveLength(0);
  });

  it('unknown source → 404; any source with a secret uses the generic adapter', async () => {
    const res = await deliver(h, 'halopsa', BODY.generic);
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('unknown_source');
  });
});
