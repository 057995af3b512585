import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, parseDurationMs } from '../../src/config.js';
import { runToExit } from '../helpers/process.js';

describe('config', () => {
  it('has defaults for everything', () => {
    const c = loadConfig({});
    expect(c.DATABASE_URL).toBe('postgres://127.0.0.1:5432/ticket_qc');
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.PORT).toBe(3000);
    expect(c.QC_MIN_CONFIDENCE).toBe(0.6);
    expect(c.QC_SHADOW_RATE).toBe(0.02);
    expect(c.QC_CHIEF_THRESHOLD).toBe(3);
    expect(c.QC_CHIEF_WINDOW).toBe(7 * 86_400_000);
    expect(c.QC_DEBOUNCE).toBe(120_000);
    expect(c.QC_GRADE_ON_STATUS).toEqual(['solved', 'closed']);
    expect(c.ANTHROPIC_API_KEY).toBeUndefined();
    expect(c.TRUST_PROXY).toBe(false);
    // z.stringbool: "false" stays false (z.coerce.boolean would make it true).
    expect(loadConfig({ TRUST_PROXY: 'false' }).TRUST_PROXY).toBe(false);
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
  });

  it('parses durations, lists, users and per-source webhook secrets', () => {
    const c = loadConfig({
      QC_DEBOUNCE: '90s',
      QC_CHIEF_WINDOW: '3d',
      QC_GRADE_ON_STATUS: 'Solved, closed ,pending',
      REVIEW_USERS: 'ana:admin:scrypt$abc:def,bo:reviewer:scrypt$x',
      WEBHOOK_SECRET_ZENDESK: 'new-secret,old-secret',
      WEBHOOK_SECRET_GENERIC: 's1',
    });
    expect(c.QC_DEBOUNCE).toBe(90_000);
    expect(c.QC_CHIEF_WINDOW).toBe(3 * 86_400_000);
    expect(c.QC_GRADE_ON_STATUS).toEqual(['solved', 'closed', 'pending']);
    expect(c.REVIEW_USERS).toEqual([
      { name: 'ana', role: 'admin', passwordHash: 'scrypt$abc:def' },
      { name: 'bo', role: 'reviewer', passwordHash: 'scrypt$x' },
    ]);
    expect(c.webhookSecrets).toEqual({ zendesk: ['new-secret', 'old-secret'], generic: ['s1'] });
    expect(parseDurationMs('250ms')).toBe(250);
  });

  it('names the variable on a bad value', () => {
    const bad = (env: Record<string, string>, name: string) => {
      let caught: unknown;
      try {
        loadConfig(env);
      } catch (err) {
        caught = err;
      }
      expect(caught).toBeInstanceOf(ConfigError);
      expect((caught as Error).message).toContain(name);
    };
    bad({ PORT: 'eighty' }, 'PORT');
    bad({ QC_MIN_CONFIDENCE: '1.5' }, 'QC_MIN_CONFIDENCE');
    bad({ QC_DEBOUNCE: 'soon' }, 'QC_DEBOUNCE');
    bad({ DATABASE_URL: 'mysql://x/y' }, 'DATABASE_URL');
    bad({ REVIEW_USERS: 'ana:superuser:hash' }, 'REVIEW_USERS');
  });

  // A separate process: the real binary's exit status (loadConfigOrExit exits 78).
  it('a bad value makes a command exit non-zero with a clear message', async () => {
    const r = await runToExit(
      process.execPath,
      ['--import', 'tsx', 'src/cli/index.ts', 'migrate'],
      {
        QC_SHADOW_RATE: 'often',
      },
    );
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('Invalid configuration');
    expect(r.stderr).toContain('QC_SHADOW_RATE');
  });
});

describe('optional durations', () => {
  it('an empty value (KEY= in a .env file) is unset, a bad one is refused', () => {
    const c = loadConfig({ QC_RETENTION_TICKETS: '', QC_RETENTION_EVENTS: ' ' });
    expect(c.QC_RETENTION_TICKETS).toBeUndefined();
    expect(c.QC_RETENTION_EVENTS).toBeUndefined();
    expect(loadConfig({ QC_RETENTION_TICKETS: '30d' }).QC_RETENTION_TICKETS).toBe(30 * 86_400_000);
    expect(() => loadConfig({ QC_RETENTION_TICKETS: 'soon' })).toThrow(ConfigError);
  });
});
