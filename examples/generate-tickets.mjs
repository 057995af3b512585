#!/usr/bin/env -S npx tsx
// Regenerates examples/tickets.jsonl from the hand-written scenarios in
// examples/scenarios/. Deterministic: no clock, no randomness. Node ESM run
// with tsx: the criteria, their order and the outcome rule come from
// context/*.md through src/context/ (via validate-tickets.ts).
//
//   npx tsx examples/generate-tickets.mjs            # write examples/tickets.jsonl
//   npx tsx examples/generate-tickets.mjs --check    # exit 1 if the file is stale
//
// Scenario format (see README.md for the full description):
//   key      stable name, referenced from other scenarios as {{key}} (becomes EX-xxxx)
//   org, req, tech, at ('MM-DD HH:MM', US Eastern local time), pri, cat, subject, desc
//   triage   string (by the triage agent) | { by, notes } (a person) | null
//   thread   [kind, when, body]: kind c|a|n|s with optional ':who'; when = minutes after
//            creation | 'HH:MM' same day | '+N HH:MM' N days later (local time)
//   time     [minutes, note, when?, techKey?]
//   gold     { o, c: 10 letters (M met, P partial, X missing, N n/a), esc, attr, pat, why }

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import accounts from './scenarios/accounts.mjs';
import backup from './scenarios/backup.mjs';
import { CATEGORIES, DISPATCHERS, MSP_DOMAIN, ORGS, TECHS } from './scenarios/cast.mjs';
import commercial from './scenarios/commercial.mjs';
import email from './scenarios/email.mjs';
import everyday from './scenarios/everyday.mjs';
import hardware from './scenarios/hardware.mjs';
import lifecycle from './scenarios/lifecycle.mjs';
import network from './scenarios/network.mjs';
import printing from './scenarios/printing.mjs';
import security from './scenarios/security.mjs';
import software from './scenarios/software.mjs';
import thinWeek from './scenarios/thin-week.mjs';
import { goldOutcome, readContext } from './validate-tickets.ts';

const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = join(HERE, 'tickets.jsonl');
const YEAR = 2026;
const FIRST_ID = 1001;
/** Solved tickets older than this many days are shown as closed (PSA auto-close). */
const AUTO_CLOSE_DAYS = 4;
const SET_END = Date.UTC(YEAR, 10, 20, 23, 0);
const LETTER = { M: 'met', P: 'partial', X: 'missing', N: 'n/a' };
/** Criteria (in rubric order: the order of a scenario's result letters), weights, pass mark. */
const CONTEXT = await readContext();
const CRITERIA = CONTEXT.criteria;

const SCENARIOS = [
  ...accounts,
  ...email,
  ...printing,
  ...network,
  ...lifecycle,
  ...backup,
  ...security,
  ...hardware,
  ...software,
  ...commercial,
  ...everyday,
  ...thinWeek,
];

/** US Eastern local wall time -> UTC ms (DST ends 2026-11-01 02:00 local). */
function easternToUtc(month, day, hour, minute) {
  const asUtc = Date.UTC(YEAR, month - 1, day, hour, minute);
  const dstEnd = Date.UTC(YEAR, 10, 1, 2, 0);
  return asUtc + (asUtc < dstEnd ? 4 : 5) * 3_600_000;
}

function parseCreated(at, key) {
  const m = /^(\d\d)-(\d\d) (\d\d):(\d\d)$/.exec(at);
  if (!m) throw new Error(`${key}: bad 'at' ${at}`);
  const [month, day, hour, minute] = m.slice(1).map(Number);
  return { month, day, ms: easternToUtc(month, day, hour, minute) };
}

function when(created, w, key) {
  if (typeof w === 'number') return created.ms + w * 60_000;
  const m = /^(?:\+(\d+) )?(\d\d):(\d\d)$/.exec(w);
  if (!m) throw new Error(`${key}: bad time offset ${w}`);
  const days = Number(m[1] ?? 0);
  const d = new Date(Date.UTC(YEAR, created.month - 1, created.day + days));
  const t = easternToUtc(d.getUTCMonth() + 1, d.getUTCDate(), Number(m[2]), Number(m[3]));
  if (t < created.ms) throw new Error(`${key}: offset ${w} is before creation`);
  return t;
}

const iso = (ms) => new Date(ms).toISOString().replace('.000Z', 'Z');
const mailbox = (name) =>
  name
    .toLowerCase()
    .replace(/[^a-z ]/g, '')
    .trim()
    .split(/\s+/)
    .join('.');

function person(req, org) {
  if (typeof req === 'object') return req;
  return { name: req, email: `${mailbox(req)}@${ORGS[org].domain}` };
}

function techOf(key, scenario) {
  const t = TECHS[key];
  if (!t) throw new Error(`${scenario}: unknown tech ${key}`);
  return { name: t.name, email: `${mailbox(t.name)}@${MSP_DOMAIN}`, id: t.id };
}

function build(s) {
  const org = ORGS[s.org];
  if (!org) throw new Error(`${s.key}: unknown org ${s.org}`);
  const created = parseCreated(s.at, s.key);
  if (!CATEGORIES.includes(s.cat)) throw new Error(`${s.key}: unknown category ${s.cat}`);
  const requester = person(s.req, s.org);
  const assignee = techOf(s.tech, s.key);

  const comments = s.thread.map(([kind, w, body]) => {
    const [k, who] = kind.split(':');
    const at = when(created, w, s.key);
    if (k === 'c')
      return { author: who ?? requester.name, role: 'customer', public: true, body, at };
    if (k === 'a' || k === 'n') {
      const author = who ? techOf(who, s.key).name : assignee.name;
      return { author, role: 'agent', public: k === 'a', body, at };
    }
    if (k === 's')
      return { author: who ?? 'Northbeam PSA', role: 'system', public: false, body, at };
    throw new Error(`${s.key}: bad comment kind ${kind}`);
  });
  for (let i = 1; i < comments.length; i++) {
    if (comments[i].at < comments[i - 1].at) throw new Error(`${s.key}: comment ${i} out of order`);
  }

  // A time entry without an explicit time is logged with a work session: the
  // technicians' internal notes (or, without any, their comments), spread evenly.
  const notes = comments.filter((c) => c.role === 'agent' && !c.public).map((c) => c.at);
  const sessions =
    notes.length > 0 ? notes : comments.filter((c) => c.role === 'agent').map((c) => c.at);
  const entries = s.time ?? [];
  const sessionFor = (i) => {
    if (sessions.length === 0) return created.ms;
    if (entries.length === 1) return sessions.at(-1);
    if (sessions.length < entries.length) return sessions[Math.min(i, sessions.length - 1)];
    return sessions[Math.round((i * (sessions.length - 1)) / (entries.length - 1))];
  };
  const timeEntries = entries.map(([minutes, note, w, who], i) => {
    const fallback = sessionFor(i);
    return {
      minutes,
      note,
      author: techOf(who ?? s.tech, s.key).name,
      at: iso(w === undefined ? fallback : when(created, w, s.key)),
    };
  });

  const last = comments.at(-1);
  const lastAt = last ? last.at : created.ms;
  let status = s.status;
  let closedAt;
  if (!status || status === 'solved' || status === 'closed') {
    closedAt =
      s.closed !== undefined
        ? when(created, s.closed, s.key)
        : lastAt + (last && last.role === 'customer' ? 20 : 3) * 60_000;
    status ??= closedAt + AUTO_CLOSE_DAYS * 86_400_000 <= SET_END ? 'closed' : 'solved';
  }
  const updatedAt = Math.max(closedAt ?? 0, lastAt, created.ms);

  let triage;
  if (typeof s.triage === 'string') {
    triage = { by: 'triage', kind: 'agent', notes: s.triage, at: iso(created.ms + 2 * 60_000) };
  } else if (s.triage) {
    if (!DISPATCHERS.includes(s.triage.by))
      throw new Error(`${s.key}: unknown dispatcher ${s.triage.by}`);
    triage = {
      by: s.triage.by,
      kind: s.triage.kind ?? 'person',
      notes: s.triage.notes,
      at: iso(created.ms + (s.triage.after ?? 11) * 60_000),
    };
  }

  const ticket = {
    source: 'examples',
    externalId: '',
    subject: s.subject,
    description: s.desc,
    status,
    priority: s.pri ?? 'normal',
    category: s.cat,
    requester,
    assignee,
    organization: org.name,
    createdAt: iso(created.ms),
    updatedAt: iso(updatedAt),
    ...(closedAt === undefined ? {} : { closedAt: iso(closedAt) }),
    comments: comments.map((c) => ({ ...c, at: iso(c.at) })),
    timeEntries,
    tags: s.tags ?? [],
    customFields: { contract: org.contract, ...(s.cf ?? {}) },
    ...(triage ? { triage } : {}),
    threadIncomplete: s.threadIncomplete ?? false,
  };

  const g = s.gold;
  if (!new RegExp(`^[MPXN]{${CRITERIA.length}}$`).test(g.c)) {
    throw new Error(
      `${s.key}: gold.c must be ${CRITERIA.length} of M/P/X/N, one per criterion of context/rubric.md in order`,
    );
  }
  const criteria = Object.fromEntries(CRITERIA.map((id, i) => [id, LETTER[g.c[i]]]));
  const gold = {
    outcome: g.o,
    criteria,
    escalations: g.esc ?? [],
    attributions: (g.attr ?? []).map((category) => ({ agent: 'triage', category })),
    patterns: g.pat ?? [],
    notes: g.why,
  };
  const { outcome: expected, score } = goldOutcome(CONTEXT, gold);
  if (expected !== g.o) {
    throw new Error(
      `${s.key}: gold outcome ${g.o} but the rubric gives ${expected} (score ${score})`,
    );
  }
  return { key: s.key, ticket, gold };
}

function resolveRefs(value, ids) {
  if (typeof value === 'string') {
    return value.replace(/\{\{([a-z0-9-]+)\}\}/g, (_, k) => {
      if (!ids.has(k)) throw new Error(`unknown reference {{${k}}}`);
      return ids.get(k);
    });
  }
  if (Array.isArray(value)) return value.map((v) => resolveRefs(v, ids));
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, resolveRefs(v, ids)]));
  }
  return value;
}

export function generate() {
  const seen = new Set();
  for (const s of SCENARIOS) {
    if (seen.has(s.key)) throw new Error(`duplicate scenario key ${s.key}`);
    seen.add(s.key);
  }
  const built = SCENARIOS.map(build).sort(
    (a, b) => a.ticket.createdAt.localeCompare(b.ticket.createdAt) || a.key.localeCompare(b.key),
  );
  const ids = new Map(built.map((b, i) => [b.key, `EX-${FIRST_ID + i}`]));
  return built
    .map((b) => {
      const ticket = resolveRefs({ ...b.ticket, externalId: ids.get(b.key) }, ids);
      const gold = resolveRefs(b.gold, ids);
      return `${JSON.stringify({ ticket, gold })}\n`;
    })
    .join('');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = generate();
  if (process.argv.includes('--check')) {
    let current = '';
    try {
      current = readFileSync(OUT, 'utf8');
    } catch {}
    if (current !== text) {
      console.error(
        'examples/tickets.jsonl is stale (the scenarios or context/rubric.md changed): run npx tsx examples/generate-tickets.mjs',
      );
      process.exit(1);
    }
    console.log('examples/tickets.jsonl is up to date');
  } else {
    writeFileSync(OUT, text);
    console.log(`wrote ${text.split('\n').length - 1} tickets to examples/tickets.jsonl`);
  }
}
