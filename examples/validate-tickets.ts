#!/usr/bin/env -S npx tsx
// Validates examples/tickets.jsonl: every ticket parses as the product's
// Ticket (src/ticket/schema.ts) and keeps the set's stricter conventions;
// every gold verdict uses only the ids context/*.md defines and the outcome the
// rubric's own rule gives — both read through src/context/, the code the QC
// workers grade with — and the set keeps the properties the demo and eval rely
// on (size, escalation mix, the thin-triage week).
//
//   npx tsx examples/validate-tickets.ts [path/to/tickets.jsonl]

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readContextDir } from '../src/context/files.js';
import { parsePassThreshold } from '../src/context/parse.js';
import { type CriterionResult, OUTCOMES, outcomeOf, RESULTS } from '../src/context/verdict.js';
import { buildVocabulary, type Vocabulary } from '../src/context/vocab.js';
import { TICKET_STATUSES, Ticket } from '../src/ticket/schema.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The vocabulary and pass mark of context/ (the files the product seeds), as the workers read them. */
export interface ExamplesContext {
  vocab: Vocabulary;
  /** Criterion ids in rubric order: the order of a scenario's result letters. */
  criteria: string[];
  passThreshold: number;
}

export async function readContext(dir = join(ROOT, 'context')): Promise<ExamplesContext> {
  const files = await readContextDir(dir);
  const vocab = buildVocabulary(files);
  return {
    vocab,
    criteria: vocab.criteria.map((c) => c.id),
    passThreshold: parsePassThreshold(files.get('rubric.md') ?? ''),
  };
}

export interface GoldCriteria {
  criteria: Record<string, string>;
  escalations: string[];
}

/** The rubric's score and outcome for a gold label (src/context/verdict.ts). */
export function goldOutcome(ctx: ExamplesContext, gold: GoldCriteria) {
  return outcomeOf(
    gold.criteria as Record<string, CriterionResult>,
    gold.escalations.length > 0,
    ctx.vocab.criteria,
    ctx.passThreshold,
  );
}

/**
 * Ids the set's own checks name: each must exist in context/, so renaming one
 * there fails here with the id named rather than as a silent non-match.
 */
const NAMED = {
  criteria: ['no_secrets', 'time_entries', 'resolution_verified'],
  rules: [
    'security_incident',
    'data_loss',
    'legal_or_churn_threat',
    'billing_dispute',
    'vip_or_sla_breach',
    'grader_instruction',
  ],
  patterns: [
    'credentials_in_notes',
    'time_logged_without_notes',
    'closed_without_customer_confirmation',
  ],
  triage: ['insufficient_detail'],
};

type Err = (message: string) => void;
// biome-ignore lint/suspicious/noExplicitAny: a line of JSON under inspection, checked field by field
type Json = any;

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const SET_START = Date.parse('2026-10-01T00:00:00Z');
const SET_END = Date.parse('2026-11-21T00:00:00Z');
const TICKET_KEYS: string[] = [
  'source',
  'externalId',
  'subject',
  'description',
  'status',
  'priority',
  'category',
  'requester',
  'assignee',
  'organization',
  'createdAt',
  'updatedAt',
  'closedAt',
  'comments',
  'timeEntries',
  'tags',
  'customFields',
  'triage',
  'threadIncomplete',
];
const REQUIRED: string[] = ['source', 'externalId', 'subject', 'status', 'createdAt', 'updatedAt'];

function checkTicket(t: Json, err: Err) {
  const product = Ticket.safeParse(t);
  if (!product.success) {
    for (const i of product.error.issues.slice(0, 5))
      err(`not a product Ticket: ${i.path.join('.') || '(root)'}: ${i.message}`);
  }
  const isStr = (v: unknown): v is string => typeof v === 'string';
  const time = (v: unknown, what: string) => {
    if (!isStr(v) || !ISO.test(v) || Number.isNaN(Date.parse(v)))
      return err(`${what} is not ISO-8601 with offset`);
    const ms = Date.parse(v);
    if (ms < SET_START || ms >= SET_END) err(`${what} ${v} outside 2026-10-01..2026-11-20`);
  };
  const keysOnly = (o: object, allowed: string[], what: string) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) err(`${what} has unknown key ${k}`);
  };
  const personOk = (p: unknown, what: string) => {
    if (p === undefined) return;
    if (typeof p !== 'object' || p === null) return err(`${what} must be an object`);
    keysOnly(p, ['name', 'email', 'id'], what);
    for (const v of Object.values(p)) if (!isStr(v)) err(`${what} fields must be strings`);
  };
  keysOnly(t, TICKET_KEYS, 'ticket');
  for (const k of REQUIRED) if (t[k] === undefined) err(`ticket.${k} is required`);
  if (t.source !== 'examples') err('source must be "examples"');
  if (!isStr(t.externalId) || !/^EX-\d+$/.test(t.externalId))
    err('externalId must look like EX-1001');
  if (!isStr(t.subject) || t.subject.length === 0) err('subject must be a non-empty string');
  if (!isStr(t.description)) err('description must be a string');
  if (!(TICKET_STATUSES as readonly string[]).includes(t.status)) err(`bad status ${t.status}`);
  if (!['low', 'normal', 'high', 'urgent'].includes(t.priority)) err(`bad priority ${t.priority}`);
  if (t.category !== undefined && !isStr(t.category)) err('category must be a string');
  if (t.organization !== undefined && !isStr(t.organization)) err('organization must be a string');
  personOk(t.requester, 'requester');
  personOk(t.assignee, 'assignee');
  time(t.createdAt, 'createdAt');
  time(t.updatedAt, 'updatedAt');
  if (t.closedAt !== undefined) time(t.closedAt, 'closedAt');
  const done = ['solved', 'closed'].includes(t.status);
  if (done && t.closedAt === undefined) err(`${t.status} ticket needs closedAt`);
  if (!done && t.closedAt !== undefined) err(`${t.status} ticket must not have closedAt`);
  const created = Date.parse(t.createdAt);
  if (Date.parse(t.updatedAt) < created) err('updatedAt before createdAt');
  if (
    t.closedAt &&
    (Date.parse(t.closedAt) < created || Date.parse(t.closedAt) > Date.parse(t.updatedAt))
  ) {
    err('closedAt must lie between createdAt and updatedAt');
  }
  if (!Array.isArray(t.comments) || t.comments.length === 0)
    err('comments must be a non-empty array');
  for (const [i, c] of (t.comments ?? []).entries()) {
    keysOnly(c, ['author', 'role', 'public', 'body', 'at'], `comments[${i}]`);
    if (!isStr(c.author) || !isStr(c.body) || c.body.length === 0)
      err(`comments[${i}] needs author and body`);
    if (!['customer', 'agent', 'system'].includes(c.role)) err(`comments[${i}] bad role ${c.role}`);
    if (typeof c.public !== 'boolean') err(`comments[${i}].public must be boolean`);
    time(c.at, `comments[${i}].at`);
    if (Date.parse(c.at) < created || Date.parse(c.at) > Date.parse(t.updatedAt)) {
      err(`comments[${i}].at outside createdAt..updatedAt`);
    }
  }
  for (const [i, e] of (t.timeEntries ?? []).entries()) {
    keysOnly(e, ['minutes', 'note', 'author', 'at'], `timeEntries[${i}]`);
    if (!Number.isInteger(e.minutes) || e.minutes < 0)
      err(`timeEntries[${i}].minutes must be an integer >= 0`);
    if (!isStr(e.note)) err(`timeEntries[${i}].note must be a string`);
    if (e.at !== undefined) time(e.at, `timeEntries[${i}].at`);
  }
  if (!Array.isArray(t.tags) || t.tags.some((x: unknown) => !isStr(x))) err('tags must be strings');
  if (
    typeof t.customFields !== 'object' ||
    t.customFields === null ||
    Array.isArray(t.customFields)
  ) {
    err('customFields must be an object');
  } else {
    for (const [k, v] of Object.entries(t.customFields)) {
      if (!(v === null || ['string', 'number', 'boolean'].includes(typeof v)))
        err(`customFields.${k} bad value`);
    }
  }
  if (t.triage !== undefined) {
    keysOnly(t.triage, ['by', 'kind', 'notes', 'at'], 'triage');
    if (
      !isStr(t.triage.by) ||
      !['agent', 'person'].includes(t.triage.kind) ||
      !isStr(t.triage.notes)
    ) {
      err('triage needs by, kind agent|person, notes');
    }
    if (t.triage.at !== undefined) time(t.triage.at, 'triage.at');
  }
  if (typeof t.threadIncomplete !== 'boolean') err('threadIncomplete must be boolean');
}

function checkGold(g: Json, t: Json, err: Err, ctx: ExamplesContext) {
  const { vocab } = ctx;
  if (typeof g !== 'object' || g === null) return err('gold missing');
  const keys = ['outcome', 'criteria', 'escalations', 'attributions', 'patterns', 'notes'];
  for (const k of Object.keys(g)) if (!keys.includes(k)) err(`gold has unknown key ${k}`);
  if (!(OUTCOMES as readonly string[]).includes(g.outcome)) err(`bad gold.outcome ${g.outcome}`);
  const crit = g.criteria ?? {};
  for (const id of ctx.criteria)
    if (!(RESULTS as readonly string[]).includes(crit[id]))
      err(`gold.criteria.${id} is ${crit[id]}`);
  for (const id of Object.keys(crit))
    if (!ctx.criteria.includes(id)) err(`gold.criteria has unknown id ${id}`);
  if (crit.no_secrets === 'n/a') err('no_secrets is never n/a');
  if (!Array.isArray(g.escalations)) return err('gold.escalations must be an array');
  const rules = vocab.rules.map((r) => r.id);
  for (const r of g.escalations) if (!rules.includes(r)) err(`unknown escalation rule ${r}`);
  if (new Set(g.escalations).size !== g.escalations.length) err('duplicate escalation rule');
  const patterns = vocab.patterns.map((p) => p.id);
  for (const p of g.patterns ?? []) if (!patterns.includes(p)) err(`unknown pattern ${p}`);
  for (const a of g.attributions ?? []) {
    if (!vocab.agents[a.agent]?.includes(a.category))
      err(
        `attribution ${a.agent}/${a.category} is not a category context/agents/${a.agent}.md declares`,
      );
    if (a.agent === 'triage' && t.triage?.by !== 'triage')
      err('attribution to triage but ticket not triaged by the agent');
  }
  if (typeof g.notes !== 'string' || g.notes.length === 0 || g.notes.includes('\n'))
    err('gold.notes must be one line');
  // Gold follows the rubric in context/rubric.md: its weights, auto-fail flags and pass mark.
  const { score: s, outcome: want } = goldOutcome(ctx, g);
  if (g.outcome !== want)
    err(`gold.outcome ${g.outcome} but the rubric gives ${want} (score ${s})`);
  // Keep pass/fail clear of the pass mark so small weight changes do not flip them.
  if (g.outcome === 'pass' && s < ctx.passThreshold + 8)
    err(`pass with score ${s} is too close to the pass mark`);
  const autoFailed = vocab.criteria.some(
    (c) => c.autoFail && (crit[c.id] === 'missing' || crit[c.id] === 'partial'),
  );
  if (g.outcome === 'fail' && !autoFailed && s > ctx.passThreshold - 6) {
    err(`fail with score ${s} is too close to the pass mark`);
  }
  // The patterns that can be read straight off the ticket must agree with it.
  const pats: string[] = g.patterns ?? [];
  if (pats.includes('credentials_in_notes') !== (crit.no_secrets === 'missing')) {
    err('credentials_in_notes pattern and no_secrets "missing" must go together');
  }
  const blankNote = (t.timeEntries ?? []).some(
    (e: Json) => typeof e.note === 'string' && e.note.trim() === '',
  );
  if (!t.threadIncomplete && blankNote !== pats.includes('time_logged_without_notes')) {
    err(
      'time_logged_without_notes pattern must be set exactly when a time entry has an empty note',
    );
  }
  if (blankNote && crit.time_entries === 'met')
    err('a time entry has no note but time_entries is met');
  if (pats.includes('closed_without_customer_confirmation') && crit.resolution_verified === 'met') {
    err('closed_without_customer_confirmation pattern but resolution_verified met');
  }
}

export interface Row {
  ticket: Json;
  gold: Json;
}

export async function validate(file: string, contextDir?: string) {
  const ctx = await readContext(contextDir);
  const problems: string[] = [];
  const { vocab } = ctx;
  for (const [what, named, defined] of [
    ['criterion', NAMED.criteria, ctx.criteria],
    ['escalation rule', NAMED.rules, vocab.rules.map((r) => r.id)],
    ['pattern', NAMED.patterns, vocab.patterns.map((p) => p.id)],
    ['triage category', NAMED.triage, vocab.agents.triage ?? []],
  ] as const) {
    for (const id of named)
      if (!defined.includes(id))
        problems.push(`context/ defines no ${what} \`${id}\`, which the example set relies on`);
  }
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const rows: Row[] = [];
  const ids = new Set<string>();
  for (const [i, line] of lines.entries()) {
    const err = (m: string) => problems.push(`line ${i + 1}: ${m}`);
    let row: Json;
    try {
      row = JSON.parse(line);
    } catch (e) {
      err(`not JSON: ${(e as Error).message}`);
      continue;
    }
    if (Object.keys(row).length !== 2 || !row.ticket || !row.gold) {
      err('line must be {"ticket", "gold"}');
      continue;
    }
    checkTicket(row.ticket, err);
    checkGold(row.gold, row.ticket, err, ctx);
    if (ids.has(row.ticket.externalId)) err(`duplicate externalId ${row.ticket.externalId}`);
    ids.add(row.ticket.externalId);
    rows.push(row);
  }

  // Set-level properties.
  const need = (ok: boolean, m: string) => {
    if (!ok) problems.push(m);
  };
  const bump = (m: Record<string, number>, k: string) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const outcomes: Record<string, number> = Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
  const byRule: Record<string, number> = Object.fromEntries(vocab.rules.map((r) => [r.id, 0]));
  const byPattern: Record<string, number> = Object.fromEntries(
    vocab.patterns.map((p) => [p.id, 0]),
  );
  const byCategory: Record<string, number> = {};
  const thin: Json[] = [];
  for (const { ticket, gold } of rows) {
    bump(outcomes, gold.outcome);
    for (const r of gold.escalations) bump(byRule, r);
    for (const p of gold.patterns) bump(byPattern, p);
    for (const a of gold.attributions) {
      bump(byCategory, a.category);
      if (a.category === 'insufficient_detail') thin.push(ticket);
    }
  }
  const secrets = rows.filter((r) => r.gold.criteria.no_secrets === 'missing');
  const n = (m: Record<string, number>, k: string) => m[k] ?? 0;
  need(rows.length >= 160, `only ${rows.length} tickets (need >= 160)`);
  need(n(outcomes, 'escalate') >= 12, `only ${n(outcomes, 'escalate')} escalations (need >= 12)`);
  need(n(byRule, 'grader_instruction') >= 2, 'need >= 2 grader_instruction tickets');
  need(secrets.length >= 2, 'need >= 2 tickets with a secret in a note');
  for (const r of NAMED.rules) {
    if (r !== 'grader_instruction') need(n(byRule, r) >= 1, `no ticket escalates on ${r}`);
  }
  const thinDates: string[] = thin.map((t) => t.createdAt).sort();
  need(thin.length >= 5, `only ${thin.length} thin-triage tickets (need >= 5)`);
  const [first, last] = [thinDates[0], thinDates.at(-1)];
  if (first && last) {
    const span = Date.parse(last) - Date.parse(first);
    need(span < 7 * 86_400_000, 'thin-triage tickets do not fit in one 7-day window');
  }
  for (const [cat, count] of Object.entries(byCategory)) {
    if (cat !== 'insufficient_detail')
      need(count < 3, `triage/${cat} on ${count} tickets (must stay below 3)`);
  }
  return { rows, problems, outcomes, byRule, byPattern, byCategory, thin, secrets };
}

function count(rows: Row[], f: (row: Row) => string): Record<string, number> {
  const m: Record<string, number> = {};
  for (const row of rows) {
    const k = f(row);
    m[k] = (m[k] ?? 0) + 1;
  }
  return m;
}

async function main() {
  const file = process.argv[2] ?? join(ROOT, 'examples', 'tickets.jsonl');
  const r = await validate(file);
  console.log(`tickets: ${r.rows.length}`);
  console.log('outcomes:', r.outcomes);
  console.log('escalations by rule:', r.byRule);
  console.log('patterns:', r.byPattern);
  console.log('triage attributions:', r.byCategory);
  console.log(
    'thin-triage tickets:',
    r.thin.map((t) => `${t.externalId} ${t.createdAt}`).join(', '),
  );
  console.log('secrets in notes:', r.secrets.map((x) => x.ticket.externalId).join(', '));
  const partial = r.rows.filter((x) => x.gold.criteria.no_secrets === 'partial');
  console.log('secrets partly exposed:', partial.map((x) => x.ticket.externalId).join(', '));
  console.log(
    'status:',
    count(r.rows, (x) => x.ticket.status),
  );
  console.log(
    'priority:',
    count(r.rows, (x) => x.ticket.priority),
  );
  console.log(
    'category:',
    count(r.rows, (x) => x.ticket.category),
  );
  console.log(
    'triage kind:',
    count(r.rows, (x) => x.ticket.triage?.kind ?? 'none'),
  );
  const tech: Record<string, Record<string, number>> = {};
  for (const { ticket, gold } of r.rows) {
    const k = ticket.assignee?.name ?? '-';
    tech[k] ??= Object.fromEntries(OUTCOMES.map((o) => [o, 0]));
    bumpOutcome(tech[k], gold.outcome);
  }
  console.log('by assignee:', tech);
  console.log('organizations:', Object.keys(count(r.rows, (x) => x.ticket.organization)).length);
  if (r.problems.length > 0) {
    console.error(`\n${r.problems.length} problem(s):`);
    for (const p of r.problems) console.error(`  ${p}`);
    process.exit(1);
  }
  console.log('\nOK');
}

function bumpOutcome(m: Record<string, number>, outcome: string) {
  m[outcome] = (m[outcome] ?? 0) + 1;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) await main();
