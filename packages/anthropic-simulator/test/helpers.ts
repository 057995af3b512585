import Anthropic from '@anthropic-ai/sdk';
import { getTokenizer } from '@anthropic-ai/tokenizer';
import type { Simulator } from '../src/index.js';
import { CRITERIA, type Verdict, verdictSchema } from './verdict-schema.js';

/** Builders shared by the simulator tests: the verdict schema, long context, tickets, requests. */

export {
  CRITERIA,
  PATTERNS,
  RULES,
  type Verdict,
  verdictSchema,
  verdictZod,
} from './verdict-schema.js';

let tokenizer: ReturnType<typeof getTokenizer> | undefined;
export function tokens(text: string): number {
  tokenizer ??= getTokenizer();
  return tokenizer.encode(text.normalize('NFKC'), 'all').length;
}

const WORDS = [
  'ticket',
  'technician',
  'customer',
  'evidence',
  'record',
  'criterion',
  'priority',
  'asset',
];

/** Generated rubric-like text of at least `minTokens` tokens, with the real weight lines. */
export function longContext(minTokens: number, seed = 'rubric'): string {
  const lines = [`# QC rubric (${seed})`, ''];
  CRITERIA.forEach((id, i) => {
    lines.push(
      `## \`${id}\` — criterion ${i + 1}`,
      `Weight: ${i === 2 ? 15 : 10}`,
      `Auto-fail: ${id === 'no_secrets' ? 'yes' : 'no'}`,
      '',
    );
  });
  let i = 0;
  while (tokens(lines.join('\n')) < minTokens) {
    for (let k = 0; k < 20; k++, i++) {
      lines.push(
        `Rule ${i}: the ${WORDS[i % 8]} must show the ${WORDS[(i * 3) % 8]} for item ${i * 7} (${seed}).`,
      );
    }
  }
  return lines.join('\n');
}

export interface TicketOverrides {
  [key: string]: unknown;
}

export function ticket(overrides: TicketOverrides = {}) {
  return {
    source: 'zendesk',
    externalId: 'T-1001',
    subject: 'Outlook cannot send external mail',
    description:
      'Since 09:10 Sarah Ng (Finance) cannot send external mail from Outlook on WS-114; every message bounces with NDR 550 5.7.520 "Access denied". Please restore external sending.',
    status: 'solved',
    priority: 'normal',
    category: 'Email',
    requester: { name: 'Sarah Ng', email: 'sarah@example.com' },
    createdAt: '2026-10-05T09:15:00Z',
    updatedAt: '2026-10-05T11:00:00Z',
    comments: [
      {
        author: 'Dan',
        role: 'agent',
        public: true,
        body: 'Hi Sarah, thanks for reporting this. We are looking at the mail flow rules now.',
        at: '2026-10-05T09:20:00Z',
      },
      {
        author: 'Dan',
        role: 'agent',
        public: false,
        body: 'Checked the transport rules in Exchange Online and found the new outbound spam policy blocking external forwarding; root cause was that policy applied to all users on Friday. Updated the policy scope and removed Finance from it. Sent a test mail externally, delivered.',
        at: '2026-10-05T10:30:00Z',
      },
      {
        author: 'Dan',
        role: 'agent',
        public: true,
        body: 'Hi Sarah, external mail is working again: a policy change blocked it and we corrected it. Nothing else remains open; let us know if it happens again.',
        at: '2026-10-05T10:40:00Z',
      },
      {
        author: 'Sarah Ng',
        role: 'customer',
        public: true,
        body: 'Works now, thanks!',
        at: '2026-10-05T10:55:00Z',
      },
    ],
    timeEntries: [
      {
        minutes: 35,
        note: 'Reviewed transport rules, corrected outbound spam policy scope, tested external mail',
      },
    ],
    tags: ['email'],
    customFields: {},
    triage: {
      by: 'triage',
      kind: 'agent',
      notes:
        'Finance user cannot send external mail, NDR 550 5.7.520, affects one user in Finance; likely policy or connector.',
    },
    threadIncomplete: false,
    ...overrides,
  };
}

export interface QcRequestOptions {
  model?: string;
  system?: string;
  ttl?: '5m' | '1h';
  ticketData?: unknown;
  ticketText?: string;
  schema?: Anthropic.Tool.InputSchema;
}

export function qcRequest(o: QcRequestOptions = {}): Anthropic.MessageCreateParamsNonStreaming {
  const cache =
    o.ttl === '1h'
      ? { type: 'ephemeral' as const, ttl: '1h' as const }
      : { type: 'ephemeral' as const };
  const body = o.ticketText ?? JSON.stringify(o.ticketData ?? ticket(), null, 2);
  return {
    model: o.model ?? 'claude-haiku-4-5-20251001',
    max_tokens: 4096,
    tools: [
      {
        name: 'record_verdict',
        description: 'Record the QC verdict.',
        input_schema: o.schema ?? verdictSchema(),
      },
    ],
    tool_choice: { type: 'tool', name: 'record_verdict' },
    system: [
      { type: 'text', text: 'You are the QC worker. Grade the ticket against the rubric.' },
      { type: 'text', text: o.system ?? 'Rubric: short.', cache_control: cache },
    ],
    messages: [
      {
        role: 'user',
        content: [{ type: 'text', text: `Grade this ticket.\n<ticket>\n${body}\n</ticket>` }],
      },
    ],
  };
}

export function client(sim: Simulator, apiKey = 'test'): Anthropic {
  return new Anthropic({ apiKey, baseURL: sim.url, maxRetries: 0 });
}

export function toolInput(message: Anthropic.Message): Verdict {
  const block = message.content.find((b) => b.type === 'tool_use');
  if (block?.type !== 'tool_use')
    throw new Error(`no tool_use in ${JSON.stringify(message.content)}`);
  return block.input as Verdict;
}

export function resultOf(verdict: Verdict, criterion: string): string | undefined {
  return verdict.criteria.find((c) => c.criterion === criterion)?.result;
}

/** A raw call (no SDK) for checking the wire exactly. */
export async function rawPost(
  sim: Simulator,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
) {
  const res = await fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'anthropic-version': '2023-06-01', ...headers },
    body: JSON.stringify(body),
  });
  return {
    status: res.status,
    headers: res.headers,
    json: (await res.json()) as Record<string, unknown>,
  };
}
