import type { Logger } from 'pino';
import type { Verdict } from '../context/verdict.js';
import {
  countAttempt,
  decideAndClaim,
  getOutbox,
  lastSent,
  markStepDone,
  type OutboxRow,
  qcContentOf,
  setOutboxStatus,
  triageContentOf,
} from '../db/outbox.js';
import type { Pool } from '../db/pool.js';
import { getTicket } from '../db/tickets.js';
import { type HttpRequest, type Send, VendorError } from './http.js';
import {
  markerOf,
  type NoteTemplates,
  qcFingerprint,
  renderQcNote,
  renderTriageNote,
  triageFingerprint,
} from './note.js';
import type { WritebackSettings } from './settings.js';
import { type Step, stepsFor, type Target, type Write } from './vendors/index.js';

/**
 * Delivers one outbox row: decide (new note, "updated" note, or nothing new
 * to say), then run the vendor's steps, each recorded when done so a retry
 * never posts the same note twice. Vendor errors propagate (VendorError) for
 * the queue worker to classify; everything else about the row is settled here.
 */

export interface DeliverDeps {
  pool: Pool;
  settings: WritebackSettings;
  templates: NoteTemplates;
  send: Send;
  logger: Logger;
  now?: () => number;
}

export type Delivered =
  | { status: 'delivered'; noteKind: 'new' | 'updated'; steps: string[] }
  | { status: 'skipped' | 'off'; reason: string };

interface Content {
  fingerprint: string;
  render(noteKind: 'new' | 'updated'): string;
  write(note: string, noteKind: 'new' | 'updated'): Write;
}

/** Why a row of a source without write-back is not sent: `%s` is the source (also in SQL: claimPending). */
export const SOURCE_OFF = 'write-back is off for source %s';

/** The sources write-back is on for: the others' rows are settled `off` (offReason). */
export function sourcesOn(s: WritebackSettings): string[] {
  return Object.keys(s.targets).filter((source) => s.targets[source]);
}

/** Why a row is not for sending at all (write-back off, history, too old), or undefined. */
export function offReason(s: WritebackSettings, row: OutboxRow, now: number): string | undefined {
  if (!s.targets[row.source]) return SOURCE_OFF.replace('%s', () => row.source);
  if (row.via === 'batch' && !s.history) return 'a grade of history (WRITEBACK_HISTORY is off)';
  if (row.stepsDone.length === 0 && now - row.createdAt.getTime() > s.maxAgeMs)
    return 'older than WRITEBACK_MAX_AGE when its turn came';
  return undefined;
}

/**
 * The id the vendor's API addresses the ticket by. ServiceNow's Table API
 * takes the record's sys_id, while the ticket is known by its number
 * (INC0010042): the adapter keeps the sys_id in customFields.
 */
async function recordIdOf(deps: DeliverDeps, row: OutboxRow): Promise<string | undefined> {
  if (deps.settings.targets[row.source]?.vendor !== 'servicenow') return row.externalId;
  if (/^[0-9a-f]{32}$/.test(row.externalId)) return row.externalId;
  const sysId = (await getTicket(deps.pool, row.ticketId))?.ticket.customFields.sys_id;
  return typeof sysId === 'string' && /^[0-9a-f]{32}$/.test(sysId) ? sysId : undefined;
}

/** Why there is nothing to send: skipped (nothing to say) or failed (cannot be addressed). */
type NotSent = { skip: string } | { fail: string };

async function contentOf(deps: DeliverDeps, row: OutboxRow): Promise<Content | NotSent> {
  const s = deps.settings;
  const marker = markerOf(row.id);
  const recordId = await recordIdOf(deps, row);
  if (!recordId)
    return {
      fail: `no ServiceNow sys_id for ${row.externalId}: send sys_id in the business rule's payload`,
    };
  const base = { externalId: recordId };
  if (row.kind === 'qc') {
    const verdict = row.resultId ? await qcContentOf(deps.pool, row.resultId) : undefined;
    if (!verdict) return { skip: 'the result is gone' };
    const link =
      s.reviewBaseUrl && row.resultId
        ? `${s.reviewBaseUrl}/review/results/${row.resultId}`
        : undefined;
    const tag = { pass: s.tags.pass, fail: s.tags.fail, escalate: s.tags.escalate };
    return {
      fingerprint: qcFingerprint(verdict),
      render: (noteKind) => renderQcNote(deps.templates.qc, { verdict, noteKind, link, marker }),
      write: (note, noteKind) => ({
        ...base,
        note,
        marker,
        tags: {
          add: [tag[verdict.outcome]],
          // A changed verdict takes its old outcome tag away; a first note has none to remove.
          remove:
            noteKind === 'updated'
              ? Object.values(tag).filter((t) => t !== tag[verdict.outcome])
              : [],
        },
        json: genericJson(row, noteKind, note, link, { verdict: publicVerdict(verdict) }),
      }),
    };
  }
  const triage = row.triageId ? await triageContentOf(deps.pool, row.triageId) : undefined;
  if (!triage) return { skip: 'the triage result is gone' };
  if (triage.missing.length === 0) return { skip: 'triage found nothing missing' };
  return {
    fingerprint: triageFingerprint(triage.missing),
    render: () => renderTriageNote(deps.templates.triage, { ...triage, marker }),
    write: (note, noteKind) => ({
      ...base,
      note,
      marker,
      tags: { add: [], remove: [] },
      json: genericJson(row, noteKind, note, undefined, { triage }),
    }),
  };
}

function publicVerdict(v: Verdict) {
  return {
    outcome: v.outcome,
    score: v.score,
    criteria: v.criteria.map((c) => ({
      criterion: c.criterion,
      result: c.result,
      missing: c.missing,
    })),
    escalations: v.escalations,
    summary: v.summary,
  };
}

function genericJson(
  row: OutboxRow,
  noteKind: string,
  note: string,
  link: string | undefined,
  extra: Record<string, unknown>,
) {
  return {
    event: row.kind === 'qc' ? 'ticket-qc.verdict' : 'ticket-qc.triage',
    noteKind,
    outboxId: row.id,
    ticket: { source: row.source, externalId: row.externalId },
    contextVersion: row.contextVersion,
    ...(link ? { link } : {}),
    note,
    ...extra,
  };
}

export async function deliverOutbox(deps: DeliverDeps, id: number): Promise<Delivered> {
  const row = await getOutbox(deps.pool, id);
  if (!row) return { status: 'off', reason: 'no such outbox row' };
  if (row.status === 'delivered')
    return {
      status: 'delivered',
      noteKind: (row.noteKind ?? 'new') as 'new',
      steps: row.stepsDone,
    };
  if (row.status === 'skipped' || row.status === 'off' || row.status === 'failed')
    return { status: row.status === 'off' ? 'off' : 'skipped', reason: row.reason ?? row.status };
  const now = (deps.now ?? Date.now)();
  const off = offReason(deps.settings, row, now);
  if (off) {
    await setOutboxStatus(deps.pool, id, 'off', { reason: off });
    return { status: 'off', reason: off };
  }
  const content = await contentOf(deps, row);
  if ('fail' in content) {
    await setOutboxStatus(deps.pool, id, 'failed', { reason: content.fail });
    return { status: 'skipped', reason: content.fail };
  }
  if ('skip' in content) {
    await setOutboxStatus(deps.pool, id, 'skipped', { reason: content.skip });
    return { status: 'skipped', reason: content.skip };
  }
  const decision = await decideAndClaim(deps.pool, row, content.fingerprint, content.render);
  if (decision.action === 'skip')
    return { status: 'skipped', reason: 'same verdict as the last note' };
  const target = deps.settings.targets[row.source] as Target;
  const write = content.write(decision.note, decision.noteKind);
  await countAttempt(deps.pool, id);
  const done = new Set(row.stepsDone);
  for (const step of stepsFor(target, write)) {
    if (done.has(step.name)) continue;
    // A retry of a step that may have landed (its answer lost: a timeout, a 5xx): look first.
    if (row.attempts > 0 && step.landed && (await landed(deps, step, id))) {
      await markStepDone(deps.pool, id, step.name);
      done.add(step.name);
      continue;
    }
    await step.run(deps.send);
    await markStepDone(deps.pool, id, step.name);
    done.add(step.name);
  }
  await setOutboxStatus(deps.pool, id, 'delivered', { reason: null });
  deps.logger.info(
    {
      outboxId: id,
      source: row.source,
      externalId: row.externalId,
      kind: row.kind,
      noteKind: decision.noteKind,
    },
    'written back to the help desk',
  );
  return { status: 'delivered', noteKind: decision.noteKind, steps: [...done] };
}

/**
 * Whether an earlier attempt already wrote this step. The vendor refusing the
 * look-up (no read permission) is not a reason to fail the note: it is sent.
 */
async function landed(deps: DeliverDeps, step: Step, id: number): Promise<boolean> {
  try {
    return (await step.landed?.(deps.send)) === true;
  } catch (err) {
    if (err instanceof VendorError && !err.retryable) {
      deps.logger.warn(
        { outboxId: id, step: step.name, err: err.message },
        'cannot check whether an earlier attempt landed: sending',
      );
      return false;
    }
    throw err;
  }
}

/**
 * `ticket-qc writeback dry-run`: the exact requests a row would send now,
 * without sending them or changing the row.
 */
export async function dryRun(
  deps: Omit<DeliverDeps, 'send'>,
  row: OutboxRow,
): Promise<{ requests: HttpRequest[]; note?: string; reason?: string }> {
  const s = deps.settings;
  const target = s.targets[row.source];
  const off = offReason(s, row, (deps.now ?? Date.now)());
  const content = await contentOf(
    { ...deps, send: async () => ({ status: 200, headers: new Headers(), text: '{}' }) },
    row,
  );
  if ('fail' in content) return { requests: [], reason: content.fail };
  if ('skip' in content) return { requests: [], reason: content.skip };
  const previous = await lastSent(deps.pool, row);
  if (previous?.fingerprint === content.fingerprint)
    return {
      requests: [],
      reason: `same verdict as note #${previous.id}: nothing would be written`,
    };
  const noteKind = previous ? 'updated' : 'new';
  const note = row.note ?? content.render(noteKind);
  if (!target) return { requests: [], note, reason: off };
  const requests: HttpRequest[] = [];
  const record: Send = async (req) => {
    requests.push(req);
    return { status: 200, headers: new Headers(), text: '{}' };
  };
  for (const step of stepsFor(target, content.write(note, noteKind))) await step.run(record);
  return { requests, note, ...(off ? { reason: off } : {}) };
}
