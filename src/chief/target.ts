import { QC_AGENT, QC_FILES } from '../context/files.js';
import { fileForQcCategory, type Vocabulary } from '../context/vocab.js';

/**
 * Which context file answers for a repeated failure. Another agent at fault
 * (triage did not gather enough detail) → that agent's own prompt. The QC
 * worker failing on a criterion, rule or pattern → the file defining that id;
 * on its own kinds (schema errors, low confidence, whole-verdict overrides)
 * → its prompt. Only files under context/ are ever targets: never code and
 * never the tool schema.
 */
export interface Target {
  file: string;
  /** A QC context file: revisions can be backtested by re-grading. */
  qc: boolean;
}

export function targetOf(vocab: Vocabulary, agent: string, category: string): Target {
  if (agent !== QC_AGENT) return { file: `agents/${agent}.md`, qc: false };
  const file = fileForQcCategory(vocab, category);
  return { file, qc: (QC_FILES as readonly string[]).includes(file) };
}

/** The kind of id a QC category names, for the evidence and the prompt. */
export function categoryKind(
  vocab: Vocabulary,
  category: string,
): 'criterion' | 'rule' | 'pattern' | 'qc_failure' | 'agent_category' {
  if (vocab.criteria.some((c) => c.id === category)) return 'criterion';
  if (vocab.rules.some((r) => r.id === category)) return 'rule';
  if (vocab.patterns.some((p) => p.id === category)) return 'pattern';
  if (['schema_invalid', 'low_confidence', 'shadow_disagreement', 'override'].includes(category))
    return 'qc_failure';
  return 'agent_category';
}
