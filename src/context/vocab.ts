import { agentOfFile, QC_AGENT, QC_FAILURE_KINDS } from './files.js';
import {
  ContextParseError,
  type Criterion,
  type EscalationRule,
  type Pattern,
  parseAgentCategories,
  parseEscalation,
  parseMinApplicable,
  parsePatterns,
  parseRubric,
} from './parse.js';

/**
 * The closed vocabularies: every id a model may return and every category a
 * failure event may carry. Free text never becomes a category, so repeated
 * failures really repeat.
 */
export interface Vocabulary {
  criteria: Criterion[];
  /** rubric.md's "Minimum applicable criteria": fewer non-n/a results is not a grade. */
  minApplicable: number;
  rules: EscalationRule[];
  patterns: Pattern[];
  /** Agents other than the QC worker, with the categories their file declares. */
  agents: Record<string, string[]>;
}

export function buildVocabulary(files: ReadonlyMap<string, string>): Vocabulary {
  const need = (f: string) => {
    const text = files.get(f);
    if (text === undefined) throw new ContextParseError(`context file ${f} is missing`);
    return text;
  };
  const agents: Record<string, string[]> = {};
  for (const [file, text] of files) {
    const agent = agentOfFile(file);
    if (!agent || agent === QC_AGENT) continue;
    const categories = parseAgentCategories(text);
    if (categories.length === 0) {
      throw new ContextParseError(`${file}: no "## Failure categories" list of \`ids\``);
    }
    agents[agent] = categories;
  }
  need(`agents/${QC_AGENT}.md`);
  const rubric = need('rubric.md');
  const criteria = parseRubric(rubric);
  const minApplicable = parseMinApplicable(rubric);
  if (minApplicable > criteria.length) {
    throw new ContextParseError(
      `rubric.md: minimum applicable criteria ${minApplicable} exceeds the ${criteria.length} criteria`,
    );
  }
  return {
    criteria,
    minApplicable,
    rules: parseEscalation(need('escalation.md')),
    patterns: parsePatterns(need('patterns.md')),
    agents,
  };
}

/** Every category the given agent may be charged with. */
export function categoriesOf(vocab: Vocabulary, agent: string): string[] {
  if (agent === QC_AGENT) {
    return [
      ...QC_FAILURE_KINDS,
      ...vocab.criteria.map((c) => c.id),
      ...vocab.rules.map((r) => r.id),
      ...vocab.patterns.map((p) => p.id),
    ];
  }
  return vocab.agents[agent] ?? [];
}

export function isKnownCategory(vocab: Vocabulary, agent: string, category: string): boolean {
  return categoriesOf(vocab, agent).includes(category);
}

export function allAgents(vocab: Vocabulary): string[] {
  return [QC_AGENT, ...Object.keys(vocab.agents).sort()];
}

/** The context file a QC failure on this category points at. */
export function fileForQcCategory(vocab: Vocabulary, category: string): string {
  if (vocab.criteria.some((c) => c.id === category)) return 'rubric.md';
  if (vocab.rules.some((r) => r.id === category)) return 'escalation.md';
  if (vocab.patterns.some((p) => p.id === category)) return 'patterns.md';
  return `agents/${QC_AGENT}.md`;
}
