import { describe, expect, it } from 'vitest';
import { formatProposal } from '../../src/cli/proposal-format.js';
import type { Proposal } from '../../src/db/proposals.js';

const ESC = '\u001b';

const proposal: Proposal = {
  id: 7,
  agent: 'triage',
  category: 'insufficient_detail',
  file: 'agents/triage.md',
  baseVersion: 1,
  baseSha256: null,
  proposedContent: 'x',
  // A hostile ticket excerpt made its way into the model's rationale and diff.
  diff: `--- a/agents/triage.md\n+++ b/agents/triage.md\n@@ -1 +1 @@\n-old\n+new ${ESC}]52;c;ZXZpbA==\u0007 line\n`,
  rationale: `Ask for the asset tag.${ESC}[2J${ESC}[H`,
  answer: 'more_context',
  status: 'pending',
  refusalReason: null,
  coveredEventIds: [1, 2, 3],
  coveredTickets: ['test A-1', 'test A-2', 'test A-3'],
  strength: null,
  coveredUntil: null,
  ticketCount: 3,
  evidence: {},
  backtest: null,
  model: 'claude-sonnet-4-6',
  costUsd: '0.01',
  decidedBy: null,
  decisionNote: null,
  decidedAt: null,
  createdVersion: null,
  createdAt: new Date('2026-11-20T10:00:00Z'),
};

describe('proposals show', () => {
  it('prints untrusted text inert, keeping only its own colour codes', () => {
    const plain = formatProposal(proposal, { color: false });
    expect(plain).not.toContain(ESC);
    expect(plain).not.toContain('\u0007');
    expect(plain).toContain('Ask for the asset tag.');
    const colored = formatProposal(proposal, { color: true });
    // Every escape left is one of ours: SGR colour codes (ESC [ n m).
    const afterEscapes = colored.split(ESC).slice(1);
    expect(afterEscapes.length).toBeGreaterThan(0);
    for (const rest of afterEscapes) expect(rest).toMatch(/^\[[0-9;]*m/);
  });
});
