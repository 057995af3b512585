import { hunkCount, normalizeText, unifiedDiff } from '../context/diff.js';
import { agentOfFile } from '../context/files.js';
import {
  parseAgentCategories,
  parseEscalation,
  parsePatterns,
  parseRubric,
} from '../context/parse.js';
import { buildVocabulary, type Vocabulary } from '../context/vocab.js';

/**
 * What the chief may not propose, checked in code whatever the model says.
 * A refused proposal is stored with its reason (a reviewer sees what was
 * attempted) but never offered for approval.
 */

/** Context files are prompt prefix: every byte is paid on every call. */
const MAX_FILE_BYTES = 64 * 1024;
/** A revision may grow a file, not balloon it. */
const MAX_GROWTH_FACTOR = 2;
const GROWTH_SLACK_BYTES = 4 * 1024;

export type RefusalCode =
  | 'no_op'
  | 'oversize'
  | 'drops_ids'
  | 'adds_ids'
  | 'unparseable'
  | 'invalid_output';

export type Check =
  | { ok: true; content: string; diff: string }
  | { ok: false; code: RefusalCode; reason: string; content?: string; diff?: string };

interface IdSets {
  criterion: string[];
  rule: string[];
  pattern: string[];
  category: string[];
}

/** The ids a file defines, by kind; throws when the loader could not read the file. */
function idsOf(file: string, content: string): IdSets {
  const none = { criterion: [], rule: [], pattern: [], category: [] };
  if (file === 'rubric.md') return { ...none, criterion: parseRubric(content).map((c) => c.id) };
  if (file === 'escalation.md') return { ...none, rule: parseEscalation(content).map((r) => r.id) };
  if (file === 'patterns.md') return { ...none, pattern: parsePatterns(content).map((p) => p.id) };
  const agent = agentOfFile(file);
  if (agent && agent !== 'qc-worker') return { ...none, category: parseAgentCategories(content) };
  return none;
}

/** Ids of the active vocabulary: every verdict grades or may report them, every failure counts them. */
function inUse(vocab: Vocabulary): IdSets {
  return {
    criterion: vocab.criteria.map((c) => c.id),
    rule: vocab.rules.map((r) => r.id),
    pattern: vocab.patterns.map((p) => p.id),
    category: Object.values(vocab.agents).flat(),
  };
}

export function checkRevision(args: {
  file: string;
  base: string;
  revised: string;
  /** The active context files, with the revised one swapped in when checking the whole set. */
  activeFiles: ReadonlyMap<string, string>;
  vocab: Vocabulary;
  /**
   * Kinds of id the revision may add. The chief adds none (ids change the
   * tool schema); the pattern miner adds pattern ids (issue 11 point 6).
   */
  mayAdd?: readonly 'pattern'[];
}): Check {
  const { file, base } = args;
  const content = normalizeText(args.revised);
  const diff = unifiedDiff(file, base, content);
  if (normalizeText(base) === content || hunkCount(diff) === 0) {
    return {
      ok: false,
      code: 'no_op',
      reason: 'the revision changes nothing but whitespace',
      content,
    };
  }
  const bytes = Buffer.byteLength(content);
  const limit = Math.min(
    MAX_FILE_BYTES,
    Buffer.byteLength(base) * MAX_GROWTH_FACTOR + GROWTH_SLACK_BYTES,
  );
  if (bytes > limit) {
    return {
      ok: false,
      code: 'oversize',
      reason: `the revised file is ${bytes} bytes; the limit for ${file} is ${limit} bytes`,
      content,
      diff,
    };
  }
  let before: IdSets;
  let after: IdSets;
  try {
    before = idsOf(file, base);
    after = idsOf(file, content);
    // The whole context must still load: headings, Weight lines, category lists.
    buildVocabulary(new Map([...args.activeFiles, [file, content]]));
  } catch (err) {
    return {
      ok: false,
      code: 'unparseable',
      reason: `the revised file no longer loads: ${(err as Error).message}`,
      content,
      diff,
    };
  }
  const used = inUse(args.vocab);
  const dropped: string[] = [];
  const added: string[] = [];
  for (const kind of ['criterion', 'rule', 'pattern', 'category'] as const) {
    for (const id of before[kind]) {
      if (!after[kind].includes(id) && used[kind].includes(id)) dropped.push(`${kind} \`${id}\``);
    }
    if (args.mayAdd?.includes(kind as 'pattern')) continue;
    for (const id of after[kind]) if (!before[kind].includes(id)) added.push(`${kind} \`${id}\``);
  }
  if (dropped.length > 0) {
    return {
      ok: false,
      code: 'drops_ids',
      reason: `the revision drops ids still in use: ${dropped.join(', ')}`,
      content,
      diff,
    };
  }
  if (added.length > 0) {
    return {
      ok: false,
      code: 'adds_ids',
      reason: `the revision adds ids (${added.join(', ')}); ids change the tool schema, which the chief may not do`,
      content,
      diff,
    };
  }
  return { ok: true, content, diff };
}
