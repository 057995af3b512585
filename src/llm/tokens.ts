import { countTokens } from '@anthropic-ai/tokenizer';

/**
 * An estimate only: no offline tokenizer matches current Claude models
 * exactly, so callers compare against thresholds with a margin.
 */
export function estimateTokens(text: string): number {
  return countTokens(text);
}
