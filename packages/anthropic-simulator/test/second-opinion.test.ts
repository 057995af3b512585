import { afterEach, describe, expect, it } from 'vitest';
import { type Simulator, startSimulator } from '../src/index.js';
import { client, ticket, tokens } from './helpers.js';

/**
 * record_second_opinion (ticket-qc issue 12): the strong model confirms or
 * overturns the escalation rules the base grader fired, judged from the rule
 * text the request carries and the ticket — never from the grader's reasons.
 */

let sim: Simulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

const RULE_TEXT = {
  security_incident:
    '## `security_incident` — Suspected or confirmed security incident\nSecond opinion: yes\nSignals: credentials entered on a phishing page.',
  data_loss:
    '## `data_loss` — Data lost or possibly lost\nSecond opinion: yes\nSignals: a failed restore or no usable restore point.',
};

function request(rules: string[], sections: string[], description: string) {
  const t = ticket({ description });
  return {
    model: 'claude-sonnet-4-6',
    max_tokens: 256,
    system: [{ type: 'text' as const, text: `Confirm or overturn.\n\n${sections.join('\n\n')}` }],
    tools: [
      {
        name: 'record_second_opinion',
        input_schema: {
          type: 'object' as const,
          properties: {
            decisions: {
              type: 'object',
              properties: Object.fromEntries(
                rules.map((r) => [r, { enum: ['confirm', 'overturn'] }]),
              ),
              required: rules,
              additionalProperties: false,
            },
            reason: { type: 'string', minLength: 1, maxLength: 80 },
          },
          required: ['decisions', 'reason'],
        },
      },
    ],
    tool_choice: { type: 'tool' as const, name: 'record_second_opinion' },
    messages: [
      {
        role: 'user' as const,
        content: [
          {
            type: 'text' as const,
            // The grader's reasons claim both rules; only the ticket decides.
            text: `<grader_reasons>\n- security_incident: phishing\n- data_loss: files lost\n</grader_reasons>\n<ticket>\n${JSON.stringify(t)}\n</ticket>`,
          },
        ],
      },
    ],
  };
}

describe('record_second_opinion', () => {
  it('confirms a rule whose signal is in the ticket, overturns one whose signal is not', async () => {
    sim = await startSimulator({ noise: 0 });
    const reply = await client(sim).messages.create(
      request(
        ['security_incident', 'data_loss'],
        [RULE_TEXT.security_incident, RULE_TEXT.data_loss],
        'Anna clicked a phishing link and entered her password on the fake page this morning.',
      ),
    );
    const use = reply.content.find((b) => b.type === 'tool_use');
    const input = use?.type === 'tool_use' ? (use.input as Record<string, unknown>) : {};
    expect(input.decisions).toEqual({ security_incident: 'confirm', data_loss: 'overturn' });
    expect((input.reason as string).length).toBeLessThanOrEqual(80);
    // Output tokens are those of the JSON it emitted: a short answer costs little.
    expect(reply.usage.output_tokens).toBe(tokens(JSON.stringify(input)));
    expect(reply.usage.output_tokens).toBeLessThan(40);
  });

  it('a rule whose text the request does not carry is confirmed: nothing to overturn it on', async () => {
    sim = await startSimulator({ noise: 0 });
    const reply = await client(sim).messages.create(
      request(['data_loss'], [], 'The printer on floor 2 jams on every second page.'),
    );
    const use = reply.content.find((b) => b.type === 'tool_use');
    expect(use?.type === 'tool_use' ? use.input : undefined).toMatchObject({
      decisions: { data_loss: 'confirm' },
    });
  });
});
