import { describe, expect, it } from 'vitest';
import { minePatterns } from '../src/mine.js';

/** `record_patterns`: keyword clusters from the request's tickets and patterns.md only. */

const t = (id: string, body: Record<string, unknown>) =>
  `<ticket id="${id}">\n${JSON.stringify(body)}\n</ticket>`;

const PATTERNS = `<patterns>
# Known patterns

## \`vpn_no_client_version\` — VPN ticket without client version
Signals: "VPN not connecting", "keeps dropping" with no client and version.
</patterns>`;

describe('record_patterns', () => {
  it('clusters tickets sharing word pairs, names new ones by the pair and known ones by their id', () => {
    const text = [
      t('A-1', {
        subject: 'VPN keeps dropping',
        description: 'The VPN keeps dropping at home.',
        comments: ['agent: Updated the client to 7.2.'],
      }),
      t('A-2', {
        subject: 'VPN',
        description: 'VPN keeps dropping every hour.',
        comments: ['agent: Updated the client to 7.2.'],
      }),
      t('B-1', {
        subject: 'Scanner',
        description: 'Scan to email fails on the copier.',
        comments: ['agent: Reset the SMTP relay password.'],
      }),
      t('B-2', {
        subject: 'Copier',
        description: 'Scan to email fails since Friday.',
        comments: ['agent: Reset the SMTP relay password.'],
      }),
      t('C-1', { subject: 'Mouse', description: 'Wireless mouse lag.', comments: [] }),
    ].join('\n');
    const out = minePatterns(text, PATTERNS).patterns;
    const byTickets = new Map(out.map((p) => [p.tickets.join(','), p]));
    const vpn = byTickets.get('A-1,A-2');
    expect(vpn?.id).toBe('vpn_no_client_version');
    expect(vpn?.existing).toBe(true);
    const scan = byTickets.get('B-1,B-2');
    expect(scan?.existing).toBe(false);
    expect(scan?.id).toMatch(/^[a-z][a-z0-9_]+$/);
    expect(scan?.fix).toBe('Reset the SMTP relay password.');
    expect(out.some((p) => p.tickets.includes('C-1'))).toBe(false);
  });

  it('reports nothing when no pair recurs', () => {
    const text = [t('X', { subject: 'Printer jam' }), t('Y', { subject: 'Laptop battery' })].join(
      '\n',
    );
    expect(minePatterns(text, PATTERNS).patterns).toEqual([]);
  });
});
