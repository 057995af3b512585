import type Anthropic from '@anthropic-ai/sdk';
import type { GradeSettings } from '../config.js';
import {
  callFromMessage,
  type LlmCall,
  type Purpose,
  type Tier,
  type ToolReply,
  type ToolRequest,
  toolUseOf,
} from '../llm/call.js';
import type { PriceTable } from '../llm/prices.js';
import { type CallFn, CallNeeded } from '../qc/call-needed.js';
import { type QcContext, systemBlocks } from '../qc/context.js';
import { batchReplyCall } from '../qc/grade.js';
import type { GradeReplay } from '../qc/grade-and-save.js';
import type { BatchRequest } from './params.js';

/**
 * Batch all the way (issue 12): a batch result whose grading needs another
 * model call — a repair of invalid output, a tier-up, a second opinion, a
 * shadow — does not make it realtime. Grading runs with a `call` that serves
 * the replies already obtained and throws `CallNeeded` at the first call it
 * has no reply for; that request is journaled with everything needed to
 * grade the ticket again and goes out in the run's next round (./rounds.ts).
 * When its reply comes back, the ticket is graded from the start once more:
 * the same prompt, the same replies, the same random draws and sample rates,
 * so the same branches, up to the next call needed or the verdict.
 *
 * Replaying instead of storing a paused computation keeps gradeTicket the one
 * grading path (the realtime worker's), and the journal small: the replies.
 */

/** A follow-up reply and the request it answered (how it is costed). */
export interface JournalReply {
  message: Anthropic.Message;
  model: string;
  purpose: Purpose;
  tier: Tier;
}

/**
 * The request grading stopped at: a ToolRequest less its AbortSignal, and
 * less the QC context's system blocks and verdict tool when it sends those
 * (repairs, full tier-ups, shadows): ~40 kB a request that the run's context
 * rebuilds at submit, not stored per follow-up. A second opinion keeps its
 * own short system text and tool.
 */
export type StoredRequest = Omit<ToolRequest, 'signal' | 'system' | 'tools'> & {
  system?: ToolRequest['system'];
  tools?: ToolRequest['tools'];
};

/**
 * The grading settings that pick branches (tier-up threshold, strong model,
 * shadow rate, output cap), as the first round's grading read them: a worker
 * restarted with other settings between rounds still replays the same path.
 */
export type JournalSettings = Pick<
  GradeSettings,
  'strongModel' | 'minConfidence' | 'shadowRate' | 'maxTokens'
>;

export function journalSettingsOf(s: GradeSettings): JournalSettings {
  return {
    strongModel: s.strongModel,
    minConfidence: s.minConfidence,
    shadowRate: s.shadowRate,
    maxTokens: s.maxTokens,
  };
}

/** What batch_followups.journal and batch_requests.journal hold. */
export interface Journal {
  /** The first round's reply: the base model's verdict call. */
  base: Anthropic.Message;
  /** Replies of the later rounds, in the order grading asked for them. */
  replies: JournalReply[];
  /** Every random draw grading made (shadow and second-opinion sampling). */
  draws: number[];
  /** Sample rate of each second-opinion rule, as read the first time. */
  rates: Record<string, number>;
  /** The call grading stopped at; what the next round sends. */
  request?: StoredRequest;
  /** Absent in journals written before it was kept: the current settings then. */
  settings?: JournalSettings;
}

export function journalOf(value: unknown): Journal {
  const j = value as Partial<Journal> | null;
  if (!j?.base || !Array.isArray(j.replies) || !Array.isArray(j.draws)) {
    throw new Error('batch request has no valid follow-up journal');
  }
  return { ...(j as Journal), rates: j.rates ?? {} };
}

/** A stored reply as grading sees a live one, costed at batch prices. */
function replyOf(
  message: Anthropic.Message,
  req: { model: string; purpose: Purpose; tier: Tier; toolName: string },
  prices: PriceTable,
): ToolReply {
  const use = toolUseOf(message, req.toolName);
  const call = callFromMessage(message, req, prices, {
    latencyMs: 0,
    outcome: use ? 'ok' : 'no_tool',
    batch: true,
  });
  return { input: use?.input, toolUseId: use?.id, message, call };
}

/**
 * The calls a journal's batch replies stand for, the base reply and every follow-up, at batch
 * prices (recorded when an entry is given up or dropped).
 */
export function paidCallsOf(j: Journal, model: string, prices: PriceTable): LlmCall[] {
  return [batchReplyCall(j.base, model, 'base', prices), ...followupCalls(j, prices)];
}

function followupCalls(j: Journal, prices: PriceTable): LlmCall[] {
  return j.replies.map((r) => {
    const used = r.message.content.some((b) => b.type === 'tool_use');
    return callFromMessage(r.message, r, prices, {
      latencyMs: 0,
      outcome: used ? 'ok' : 'no_tool',
      batch: true,
    });
  });
}

/**
 * Replays a journal into gradeAndSave. Calls past the journal go to
 * `fallback` (realtime, after the last allowed round) or throw CallNeeded.
 * Draws and rates past the journal are taken fresh and added to it, so the
 * journal handed to the next round replays this run exactly.
 */
export function replayOf(
  j: Journal,
  prices: PriceTable,
  fallback?: CallFn,
): GradeReplay & { journal: Journal } {
  let next = 0;
  let drawn = 0;
  return {
    journal: j,
    async call(req) {
      const r = j.replies[next];
      if (!r) {
        if (fallback) return fallback(req);
        throw new CallNeeded(req);
      }
      if (r.model !== req.model || r.purpose !== req.purpose) {
        // Grading took another branch than when the request was journaled: never reuse a reply for another question.
        throw new Error(
          `follow-up journal does not match: call ${next} was ${r.model}/${r.purpose}, now ${req.model}/${req.purpose}`,
        );
      }
      next++;
      return replyOf(r.message, { ...req, tier: r.tier }, prices);
    },
    random(fresh) {
      return () => {
        if (drawn >= j.draws.length) j.draws.push(fresh());
        return j.draws[drawn++] as number;
      };
    },
    rate(fresh) {
      return (rule) => {
        j.rates[rule] ??= fresh?.(rule) ?? 1;
        return j.rates[rule];
      };
    },
  };
}

/** The request as journaled: no signal, nothing but data, the context's prefix left out. */
export function storedRequest(req: ToolRequest, ctx: QcContext): StoredRequest {
  const { signal: _signal, system, tools, ...rest } = req;
  const qcPrefix =
    tools.length === 1 &&
    tools[0] === ctx.tool &&
    (system === systemBlocks(ctx, '5m') || system === systemBlocks(ctx, '1h'));
  return structuredClone(qcPrefix ? rest : { ...rest, system, tools });
}

/**
 * The Message Batches params of a journaled request: exactly the realtime
 * call's (callTool), with every cache breakpoint at the 1-hour TTL as in the
 * first round (a batch may take longer than 5 minutes to reach it).
 */
export function batchParamsOf(req: StoredRequest, ctx: QcContext): BatchRequest['params'] {
  return {
    model: req.model,
    max_tokens: req.maxTokens,
    system:
      req.system?.map((b) =>
        b.cache_control ? { ...b, cache_control: { type: 'ephemeral', ttl: '1h' } } : b,
      ) ?? systemBlocks(ctx, '1h'),
    tools: req.tools ?? [ctx.tool],
    tool_choice: { type: 'tool', name: req.toolName },
    messages: req.messages,
  };
}
