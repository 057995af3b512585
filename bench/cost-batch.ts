/**
 * The batch path of `npm run bench -- cost`, measured rather than projected:
 * every example goes through the simulator's Message Batches API, and its
 * follow-ups (repairs, tier-ups, second opinions, shadows) through further
 * rounds, exactly as src/batches/ingest.ts drives them: gradeTicket replays
 * a ticket's journal (src/batches/followup.ts) and stops at the call it needs
 * (CallNeeded); those calls are the next round's batch. No database: the
 * rounds are held in memory, which changes nothing about what is sent or paid.
 */
import type Anthropic from '@anthropic-ai/sdk';
import { batchParamsOf, type Journal, replayOf, storedRequest } from '../src/batches/followup.js';
import { batchRequest, sharedParams } from '../src/batches/params.js';
import type { LlmCall } from '../src/db/events.js';
import { callTool, type LlmDeps } from '../src/llm/call.js';
import { CallNeeded } from '../src/qc/call-needed.js';
import type { QcContext } from '../src/qc/context.js';
import { type GradeOutcome, type GradeSettings, gradeTicket } from '../src/qc/grade.js';
import type { Ticket } from '../src/ticket/schema.js';

type BatchRequest = Anthropic.Messages.Batches.BatchCreateParams.Request;

async function runBatch(
  client: Anthropic,
  requests: BatchRequest[],
): Promise<Map<string, Anthropic.Message>> {
  let b = await client.messages.batches.create({ requests });
  while (b.processing_status !== 'ended') {
    await new Promise((r) => setTimeout(r, 100));
    b = await client.messages.batches.retrieve(b.id);
  }
  const out = new Map<string, Anthropic.Message>();
  for await (const e of await client.messages.batches.results(b.id)) {
    if (e.result.type === 'succeeded') out.set(e.custom_id, e.result.message);
  }
  return out;
}

export interface BatchPathRun {
  outcomes: (GradeOutcome | undefined)[];
  calls: LlmCall[];
  rounds: number[];
}

/** Grades `tickets` through batch rounds; `outcomes[i]` is ticket i's (undefined: no verdict). */
export async function gradeThroughBatches(
  llm: LlmDeps,
  settings: GradeSettings,
  ctx: QcContext,
  tickets: Ticket[],
  random: () => number,
  opts: {
    /** QC_BATCH_FOLLOWUP_ROUNDS: follow-up rounds after the first; then realtime. */
    followupRounds?: number;
    secondOpinionRate?: (rule: string) => number;
  } = {},
): Promise<BatchPathRun> {
  const followupRounds = opts.followupRounds ?? 3;
  const shared = sharedParams(ctx, settings.baseModel, settings.maxTokens);
  const first = await runBatch(
    llm.client,
    tickets.map((t, i) => batchRequest(shared, `t${i}-r1`, t)),
  );
  const journals = new Map<number, Journal>();
  tickets.forEach((_, i) => {
    const base = first.get(`t${i}-r1`);
    if (base) journals.set(i, { base, replies: [], draws: [], rates: {} });
  });
  const outcomes: (GradeOutcome | undefined)[] = tickets.map(() => undefined);
  const calls: LlmCall[] = [];
  const rounds = [first.size];
  let open = [...journals.keys()];
  for (let round = 1; open.length > 0; round++) {
    const needed: { i: number; request: BatchRequest }[] = [];
    const realtime = round > followupRounds;
    for (const i of open) {
      const j = journals.get(i) as Journal;
      const replay = replayOf(j, llm.prices, realtime ? (r) => callTool(llm, r) : undefined);
      try {
        const out = await gradeTicket(
          {
            llm,
            settings,
            random: replay.random(random),
            secondOpinionRate: replay.rate(opts.secondOpinionRate),
            call: replay.call,
          },
          ctx,
          tickets[i] as Ticket,
          { purpose: 'batch', batchReply: j.base },
        );
        outcomes[i] = out;
        calls.push(...out.calls);
      } catch (err) {
        if (!(err instanceof CallNeeded)) {
          calls.push(...((err as { calls?: LlmCall[] }).calls ?? []));
          continue;
        }
        j.request = storedRequest(err.request);
        needed.push({
          i,
          request: { custom_id: `t${i}-r${round + 1}`, params: batchParamsOf(j.request) },
        });
      }
    }
    if (needed.length === 0) break;
    rounds.push(needed.length);
    const replies = await runBatch(
      llm.client,
      needed.map((n) => n.request),
    );
    open = [];
    for (const { i, request } of needed) {
      const j = journals.get(i) as Journal;
      const message = replies.get(request.custom_id);
      const r = j.request;
      if (!message || !r) continue;
      j.replies.push({ message, model: r.model, purpose: r.purpose, tier: r.tier });
      delete j.request;
      open.push(i);
    }
  }
  return { outcomes, calls, rounds };
}
