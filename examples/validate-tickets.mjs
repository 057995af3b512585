#!/usr/bin/env node
// Validates examples/tickets.jsonl: shape of every ticket (mirrors
// src/ticket/schema.ts), ids of every gold verdict (the vocabulary fixed in
// VOCAB.md, cross-checked against context/*.md when those files exist), the
// outcome rule, and the properties the demo and eval rely on (size, escalation
// mix, the thin-triage week). Plain Node ESM, no dependencies.
//
//   node examples/validate-tickets.mjs [path/to/tickets.jsonl]

import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CRITERIA = [
  'problem_statement',
  'work_requested',
  'work_performed',
  'root_cause',
  'resolution_verified',
  'follow_up',
  'time_entries',
  'customer_communication',
  'classification',
  'no_secrets',
];
export const ESCALATION_RULES = [
  'security_incident',
  'data_loss',
  'legal_or_churn_threat',
  'billing_dispute',
  'vip_or_sla_breach',
  'grader_instruction',
  'cannot_judge',
];
export const PATTERNS = [
  'password_reset_no_identity_check',
  'reboot_no_root_cause',
  'printer_no_model_or_asset',
  'vpn_no_client_version',
  'closed_without_customer_confirmation',
  'mailbox_full_no_retention_advice',
  'onboarding_missing_license_details',
  'backup_failure_not_retested',
  'time_logged_without_notes',
  'duplicate_ticket_not_linked',
  'outage_no_incident_link',
  'credentials_in_notes',
];
export const AGENT_CATEGORIES = {
  triage: [
    'insufficient_detail',
    'wrong_priority',
    'wrong_category',
    'missing_asset_info',
    'no_impact_statement',
  ],
};
const RESULTS = ['met', 'partial', 'missing', 'n/a'];
const VALUE = { met: 1, partial: 0.5, missing: 0 };
export const AUTO_FAIL = ['no_secrets'];
const PASS_MARK = 70;

/** Weighted score 0..100; n/a criteria are left out. Equal weights unless given. */
export function scoreOf(criteria, weights = {}) {
  let got = 0;
  let max = 0;
  for (const id of CRITERIA) {
    const r = criteria[id];
    if (r === 'n/a') continue;
    const w = weights[id] ?? 1;
    got += w * VALUE[r];
    max += w;
  }
  return max === 0 ? 100 : Math.round((100 * got) / max);
}

/** The outcome rule of VOCAB.md. */
export function outcomeOf(gold, weights = {}, autoFail = AUTO_FAIL) {
  if (gold.escalations.length > 0) return 'escalate';
  if (autoFail.some((id) => gold.criteria[id] === 'missing' || gold.criteria[id] === 'partial')) {
    return 'fail';
  }
  return scoreOf(gold.criteria, weights) < PASS_MARK ? 'fail' : 'pass';
}

/** Ids (and rubric weights) from context/*.md, when the lead's files exist. */
export function readContext(root = join(dirname(fileURLToPath(import.meta.url)), '..')) {
  const ids = (file) => {
    const p = join(root, 'context', file);
    if (!existsSync(p)) return null;
    const out = [];
    for (const m of readFileSync(p, 'utf8').matchAll(/^## `([a-z][a-z0-9_]*)`/gm)) out.push(m[1]);
    return out;
  };
  const ctx = {
    criteria: ids('rubric.md'),
    rules: ids('escalation.md'),
    patterns: ids('patterns.md'),
  };
  ctx.weights = null;
  ctx.autoFail = null;
  const rubric = join(root, 'context', 'rubric.md');
  if (existsSync(rubric)) {
    ctx.weights = {};
    ctx.autoFail = [];
    let current = null;
    for (const line of readFileSync(rubric, 'utf8').split('\n')) {
      const h = /^## `([a-z][a-z0-9_]*)`/.exec(line);
      if (h) current = h[1];
      const w = /^Weight:\s*(\d+)/.exec(line);
      if (w && current) ctx.weights[current] = Number(w[1]);
      if (/^Auto-fail:\s*yes/.test(line) && current) ctx.autoFail.push(current);
    }
  }
  const triage = join(root, 'context', 'agents', 'triage.md');
  ctx.triageCategories = existsSync(triage)
    ? [...readFileSync(triage, 'utf8').matchAll(/^\s*-\s+`([a-z][a-z0-9_]*)`/gm)].map((m) => m[1])
    : null;
  return ctx;
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)$/;
const SET_START = Date.parse('2026-10-01T00:00:00Z');
const SET_END = Date.parse('2026-11-21T00:00:00Z');
const TICKET_KEYS = [
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
const REQUIRED = ['source', 'externalId', 'subject', 'status', 'createdAt', 'updatedAt'];
const STATUSES = ['new', 'open', 'pending', 'on_hold', 'solved', 'closed', 'cancelled'];

function checkTicket(t, err) {
  const isStr = (v) => typeof v === 'string';
  const time = (v, what) => {
    if (!isStr(v) || !ISO.test(v) || Number.isNaN(Date.parse(v)))
      return err(`${what} is not ISO-8601 with offset`);
    const ms = Date.parse(v);
    if (ms < SET_START || ms >= SET_END) err(`${what} ${v} outside 2026-10-01..2026-11-20`);
  };
  const keysOnly = (o, allowed, what) => {
    for (const k of Object.keys(o)) if (!allowed.includes(k)) err(`${what} has unknown key ${k}`);
  };
  const personOk = (p, what) => {
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
  if (!STATUSES.includes(t.status)) err(`bad status ${t.status}`);
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
  if (!Array.isArray(t.tags) || t.tags.some((x) => !isStr(x))) err('tags must be strings');
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

function checkGold(g, t, err, ctx) {
  if (typeof g !== 'object' || g === null) return err('gold missing');
  const keys = ['outcome', 'criteria', 'escalations', 'attributions', 'patterns', 'notes'];
  for (const k of Object.keys(g)) if (!keys.includes(k)) err(`gold has unknown key ${k}`);
  if (!['pass', 'fail', 'escalate'].includes(g.outcome)) err(`bad gold.outcome ${g.outcome}`);
  const crit = g.criteria ?? {};
  for (const id of CRITERIA)
    if (!RESULTS.includes(crit[id])) err(`gold.criteria.${id} is ${crit[id]}`);
  for (const id of Object.keys(crit))
    if (!CRITERIA.includes(id)) err(`gold.criteria has unknown id ${id}`);
  if (crit.no_secrets === 'n/a') err('no_secrets is never n/a');
  if (!Array.isArray(g.escalations)) return err('gold.escalations must be an array');
  for (const r of g.escalations)
    if (!ESCALATION_RULES.includes(r)) err(`unknown escalation rule ${r}`);
  if (new Set(g.escalations).size !== g.escalations.length) err('duplicate escalation rule');
  const knownPatterns = [...PATTERNS, ...(ctx.patterns ?? [])];
  for (const p of g.patterns ?? []) if (!knownPatterns.includes(p)) err(`unknown pattern ${p}`);
  for (const a of g.attributions ?? []) {
    if (!AGENT_CATEGORIES[a.agent]?.includes(a.category))
      err(`unknown attribution ${a.agent}/${a.category}`);
    if (
      ctx.triageCategories &&
      a.agent === 'triage' &&
      !ctx.triageCategories.includes(a.category)
    ) {
      err(`attribution category ${a.category} not declared in context/agents/triage.md`);
    }
    if (a.agent === 'triage' && t.triage?.by !== 'triage')
      err('attribution to triage but ticket not triaged by the agent');
  }
  if (typeof g.notes !== 'string' || g.notes.length === 0 || g.notes.includes('\n'))
    err('gold.notes must be one line');
  // Gold follows the rubric in context/rubric.md when it exists (weights, auto-fail),
  // otherwise equal weights and the auto-fail criteria of VOCAB.md.
  const weights = ctx.weights ?? {};
  const autoFail = ctx.autoFail ?? AUTO_FAIL;
  const want = outcomeOf(g, weights, autoFail);
  const s = scoreOf(crit, weights);
  if (g.outcome !== want)
    err(`gold.outcome ${g.outcome} but the rubric gives ${want} (score ${s})`);
  // Keep pass/fail clear of the pass mark so small weight changes do not flip them.
  if (g.outcome === 'pass' && s < 78) err(`pass with score ${s} is too close to the pass mark`);
  const autoFailed = autoFail.some((id) => crit[id] === 'missing' || crit[id] === 'partial');
  if (g.outcome === 'fail' && !autoFailed && s > 64) {
    err(`fail with score ${s} is too close to the pass mark`);
  }
  // The patterns that can be read straight off the ticket must agree with it.
  const pats = g.patterns ?? [];
  if (pats.includes('credentials_in_notes') !== (crit.no_secrets === 'missing')) {
    err('credentials_in_notes pattern and no_secrets "missing" must go together');
  }
  const blankNote = (t.timeEntries ?? []).some(
    (e) => typeof e.note === 'string' && e.note.trim() === '',
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

export function validate(file) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  const ctx = readContext(root);
  const problems = [];
  for (const [name, mine, theirs] of [
    ['criteria', CRITERIA, ctx.criteria],
    ['escalation rules', ESCALATION_RULES, ctx.rules],
    ['patterns', PATTERNS, ctx.patterns],
  ]) {
    if (theirs)
      for (const id of mine)
        if (!theirs.includes(id)) problems.push(`context is missing ${name} id ${id}`);
  }
  const lines = readFileSync(file, 'utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  const rows = [];
  const ids = new Set();
  for (const [i, line] of lines.entries()) {
    const err = (m) => problems.push(`line ${i + 1}: ${m}`);
    let row;
    try {
      row = JSON.parse(line);
    } catch (e) {
      err(`not JSON: ${e.message}`);
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
  const need = (ok, m) => {
    if (!ok) problems.push(m);
  };
  const outcomes = { pass: 0, fail: 0, escalate: 0 };
  const byRule = Object.fromEntries(ESCALATION_RULES.map((r) => [r, 0]));
  const byPattern = Object.fromEntries(PATTERNS.map((p) => [p, 0]));
  const bump = (m, k) => {
    m[k] = (m[k] ?? 0) + 1;
  };
  const byCategory = {};
  const thin = [];
  for (const { ticket, gold } of rows) {
    outcomes[gold.outcome] = (outcomes[gold.outcome] ?? 0) + 1;
    for (const r of gold.escalations) byRule[r] += 1;
    for (const p of gold.patterns) bump(byPattern, p);
    for (const a of gold.attributions) {
      byCategory[a.category] = (byCategory[a.category] ?? 0) + 1;
      if (a.category === 'insufficient_detail') thin.push(ticket);
    }
  }
  const secrets = rows.filter((r) => r.gold.criteria.no_secrets === 'missing');
  need(rows.length >= 160, `only ${rows.length} tickets (need >= 160)`);
  need(outcomes.escalate >= 12, `only ${outcomes.escalate} escalations (need >= 12)`);
  need(byRule.grader_instruction >= 2, 'need >= 2 grader_instruction tickets');
  need(secrets.length >= 2, 'need >= 2 tickets with a secret in a note');
  for (const r of [
    'security_incident',
    'data_loss',
    'legal_or_churn_threat',
    'billing_dispute',
    'vip_or_sla_breach',
  ]) {
    need(byRule[r] >= 1, `no ticket escalates on ${r}`);
  }
  const thinDates = thin.map((t) => t.createdAt).sort();
  need(thin.length >= 5, `only ${thin.length} thin-triage tickets (need >= 5)`);
  if (thin.length > 0) {
    const span = Date.parse(thinDates.at(-1)) - Date.parse(thinDates[0]);
    need(span < 7 * 86_400_000, 'thin-triage tickets do not fit in one 7-day window');
  }
  for (const [cat, n] of Object.entries(byCategory)) {
    if (cat !== 'insufficient_detail')
      need(n < 3, `triage/${cat} on ${n} tickets (must stay below 3)`);
  }
  return { rows, problems, outcomes, byRule, byPattern, byCategory, thin, secrets };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? join(dirname(fileURLToPath(import.meta.url)), 'tickets.jsonl');
  const r = validate(file);
  const count = (rows, f) => {
    const m = {};
    for (const row of rows) {
      const k = f(row);
      m[k] = (m[k] ?? 0) + 1;
    }
    return m;
  };
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
  const tech = {};
  for (const { ticket, gold } of r.rows) {
    const k = ticket.assignee?.name ?? '-';
    tech[k] ??= { pass: 0, fail: 0, escalate: 0 };
    tech[k][gold.outcome] += 1;
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
